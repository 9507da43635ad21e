package dev.smolvm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the host's /proc says about memory: MemAvailable, the free pages parked in per-CPU lists,
 * and a process's RSS and PSS (in KiB).
 */
final class HostMemory {
    private HostMemory() {
    }

    static long memAvailableKb() throws IOException {
        return field(Path.of("/proc/meminfo"), "MemAvailable:");
    }

    /**
     * Free pages the kernel keeps in per-CPU lists (the {@code count:} of every pageset in
     * /proc/zoneinfo). They are free, but MemAvailable leaves them out (it starts from the buddy
     * allocator's free count), and how many there are swings by tens of MiB with what was freed last:
     * right after a large process exits they held 52-114 MiB here, under load ~22 MiB.
     */
    static long perCpuFreeKb() throws IOException {
        long pages = 0;
        for (String line : Files.readAllLines(Path.of("/proc/zoneinfo"))) {
            String t = line.trim();
            if (t.startsWith("count:")) {
                pages += Long.parseLong(t.substring("count:".length()).trim());
            }
        }
        if (pageKb == 0) {
            pageKb = pageSizeKb();
        }
        return pages * pageKb;
    }

    private static volatile long pageKb;

    /** The base page size, as the kernel reports it for this process's first mapping (read once). */
    private static long pageSizeKb() throws IOException {
        try (var lines = Files.lines(Path.of("/proc/self/smaps"))) {
            return lines.filter(l -> l.startsWith("KernelPageSize:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).orElseThrow(
                            () -> new IOException("/proc/self/smaps has no KernelPageSize"));
        }
    }

    /** Resident set: counts every page the process maps, shared or not. */
    static long rssKb(long pid) throws IOException {
        return field(Path.of("/proc", String.valueOf(pid), "status"), "VmRSS:");
    }

    /** Proportional set: a page shared by n processes counts 1/n in each (KSM pages included). */
    static long pssKb(long pid) throws IOException {
        return field(Path.of("/proc", String.valueOf(pid), "smaps_rollup"), "Pss:");
    }

    private static long field(Path file, String name) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return 0;
    }
}
