package dev.smolvm.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The CPU time the kernel's ksmd thread has used, from {@code /proc/<pid>/schedstat} (nanoseconds
 * on CPU) or, where the kernel has no schedstat, {@code utime + stime} of {@code /proc/<pid>/stat}
 * (clock ticks of 10 ms). The /proc root is a constructor argument so a test can use a fake one.
 */
public final class KsmdCpu {
    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

    private final Path proc;

    public KsmdCpu(Path proc) {
        this.proc = proc;
    }

    public static KsmdCpu system() {
        return new KsmdCpu(Path.of("/proc"));
    }

    /** The ksmd thread's pid, if there is one. */
    public Optional<Path> thread() {
        try (Stream<Path> dirs = Files.list(proc)) {
            return dirs.filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(d -> "ksmd".equals(comm(d)))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Nanoseconds ksmd has run so far; empty without a ksmd thread. */
    public Optional<Long> cpuNanos() {
        return thread().map(KsmdCpu::nanos);
    }

    /** CPU used between two readings over {@code wallNanos} of wall time, as a percentage of one core. */
    public static double percentOfCore(long cpuNanosBefore, long cpuNanosAfter, long wallNanos) {
        return wallNanos <= 0 ? 0 : 100.0 * (cpuNanosAfter - cpuNanosBefore) / wallNanos;
    }

    private static long nanos(Path dir) {
        try {
            Path schedstat = dir.resolve("schedstat");
            if (Files.isRegularFile(schedstat)) {
                return Long.parseLong(Files.readString(schedstat).strip().split("\\s+")[0]);
            }
            String stat = Files.readString(dir.resolve("stat"));
            // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String comm(Path dir) {
        try {
            return Files.readString(dir.resolve("comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
