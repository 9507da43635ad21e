package dev.smolvm.runtime.qemu;

import org.junit.jupiter.api.Test;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;

/** Leftover RAM files, on the real /dev/shm and /proc: one a process holds open is never one. */
class GuestRamTest {
    @Test
    void aRamFileNobodyHoldsIsALeftoverAndAHeldOneIsNot() throws Exception {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(shm), "no writable /dev/shm here");
        Path file = shm.resolve("smolvm-test" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".ram");
        Files.write(file, new byte[4096]);
        try {
            try (FileChannel held = FileChannel.open(file, StandardOpenOption.READ)) {
                assertThat(GuestRam.leftovers()).as("held open, as QEMU holds its RAM").doesNotContain(file);
            }
            assertThat(GuestRam.leftovers()).contains(file);
            assertThat(GuestRam.leftovers()).as("only smolvm's names").allMatch(p -> p.getFileName().toString()
                    .startsWith("smolvm-"));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
