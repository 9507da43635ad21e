package dev.smolvm.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stand-in for {@code /sys/kernel/mm/ksm} in a temporary directory, for unit tests of {@link Ksm}
 * and what reads it: one file per value, as the kernel shows them.
 */
public final class FakeKsmSysfs {
    private final Path root;

    private FakeKsmSysfs(Path root) {
        this.root = root;
    }

    /** A kernel's defaults: KSM off, 100 pages every 20 ms, nothing merged yet. */
    public static FakeKsmSysfs in(Path dir) {
        FakeKsmSysfs fake = new FakeKsmSysfs(dir);
        fake.set("run", 0).set("pages_to_scan", 100).set("sleep_millisecs", 20).set("pages_sharing", 0)
                .set("pages_shared", 0).set("pages_scanned", 0).set("full_scans", 0);
        return fake;
    }

    public Path root() {
        return root;
    }

    public FakeKsmSysfs set(String name, long value) {
        try {
            Files.writeString(root.resolve(name), value + "\n");
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FakeKsmSysfs remove(String name) {
        try {
            Files.delete(root.resolve(name));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long get(String name) {
        try {
            return Long.parseLong(Files.readString(root.resolve(name)).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
