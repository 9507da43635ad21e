package dev.smolvm.host;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's same-page merging (KSM) as {@code /sys/kernel/mm/ksm} shows it: ksmd scans the memory
 * processes marked mergeable (QEMU marks guest RAM so by default) and keeps one copy of identical
 * pages. The root is a constructor argument so a unit test can point it at a fake sysfs directory.
 */
public final class Ksm {
    /** Where the kernel shows KSM. */
    public static final Path SYSFS = Path.of("/sys/kernel/mm/ksm");
    /** The page size of the x86-64 hosts smolvm runs on. */
    static final long PAGE_BYTES = 4096;

    private final Path root;

    public Ksm(Path root) {
        this.root = root;
    }

    public static Ksm system() {
        return new Ksm(SYSFS);
    }

    public Path root() {
        return root;
    }

    /** Whether this kernel has KSM (it needs CONFIG_KSM). */
    public boolean available() {
        return Files.isRegularFile(root.resolve("run"));
    }

    /**
     * What ksmd is told to do: {@code run} 0 (stopped, merged pages stay merged), 1 (running) or 2
     * (stopped, and every merged page unmerged); it wakes every {@code sleepMillisecs} and scans
     * {@code pagesToScan} pages each time.
     */
    public record Settings(int run, int pagesToScan, int sleepMillisecs) {
        public boolean running() {
            return run == 1;
        }

        /** Pages ksmd looks at per second when running. */
        public long pagesPerSecond() {
            return sleepMillisecs <= 0 ? pagesToScan * 1000L : pagesToScan * 1000L / sleepMillisecs;
        }
    }

    /** The settings and what ksmd has done: pages saved ({@code pages_sharing}), pages scanned, full scans. */
    public record Status(Settings settings, long pagesSharing, long pagesScanned, long fullScans) {
        /** Memory KSM saves now: each page counted in {@code pages_sharing} is a copy not kept. */
        public double sharingMib() {
            return pagesSharing * PAGE_BYTES / (1024.0 * 1024.0);
        }
    }

    public Settings settings() {
        return new Settings((int) read("run"), (int) read("pages_to_scan"), (int) read("sleep_millisecs"));
    }

    /** The settings and counters; {@code pages_scanned} (Linux 6.7+) reads as -1 where the kernel lacks it. */
    public Status status() {
        long scanned = Files.isRegularFile(root.resolve("pages_scanned")) ? read("pages_scanned") : -1;
        return new Status(settings(), read("pages_sharing"), scanned, read("full_scans"));
    }

    /**
     * Writes the scan rate, then {@code run} (so ksmd starts at the new rate). Needs root; a kernel
     * without KSM or a user who is not root gets a sentence saying so.
     */
    public void apply(Settings settings) {
        requireChangeable();
        write("pages_to_scan", settings.pagesToScan());
        write("sleep_millisecs", settings.sleepMillisecs());
        write("run", settings.run());
    }

    /** Fails with a sentence unless this kernel has KSM and this user may change it (root). */
    public void requireChangeable() {
        if (!available()) {
            throw new SmolvmException(ErrorCode.UNAVAILABLE, "this kernel has no KSM (" + root
                    + " is missing; it needs a kernel built with CONFIG_KSM), so sandboxes cannot share identical pages");
        }
        if (!Files.isWritable(root.resolve("run"))) {
            throw notRoot(root.resolve("run"));
        }
    }

    private static SmolvmException notRoot(Path file) {
        return new SmolvmException(ErrorCode.UNAVAILABLE, "changing KSM needs root (" + file
                + " is writable only by root); run the command again as root");
    }

    private long read(String name) {
        Path file = root.resolve(name);
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            throw new SmolvmException(ErrorCode.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(String name, int value) {
        Path file = root.resolve(name);
        try {
            Files.writeString(file, value + "\n");
        } catch (AccessDeniedException e) {
            throw notRoot(file);
        } catch (IOException e) {
            throw new SmolvmException(ErrorCode.INTERNAL, "cannot write " + value + " to " + file + ": "
                    + e.getMessage(), e);
        }
    }
}
