package dev.smolvm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the host's /proc says about memory: MemAvailable, and a process's RSS and PSS (in KiB). */
final class HostMemory {
    private HostMemory() {
    }

    static long memAvailableKb() throws IOException {
        return field(Path.of("/proc/meminfo"), "MemAvailable:");
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
