package dev.smolvm.host;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Ksm reads and writes the kernel's KSM files; here a fake sysfs directory stands in for them. */
class KsmTest {
    @TempDir
    Path dir;

    @Test
    void readsTheSettingsAndWhatKsmdSaved() {
        FakeKsmSysfs fake = FakeKsmSysfs.in(dir).set("run", 1).set("pages_to_scan", 1000).set("pages_sharing", 43264)
                .set("pages_scanned", 5_000_000).set("full_scans", 3);
        Ksm.Status status = new Ksm(fake.root()).status();
        assertThat(status.settings()).isEqualTo(new Ksm.Settings(1, 1000, 20));
        assertThat(status.settings().running()).isTrue();
        assertThat(status.settings().pagesPerSecond()).isEqualTo(50_000);
        assertThat(status.sharingMib()).isEqualTo(169.0);
        assertThat(status.pagesScanned()).isEqualTo(5_000_000);
        assertThat(status.fullScans()).isEqualTo(3);
    }

    @Test
    void anOlderKernelWithoutPagesScannedReadsAsMinusOne() {
        FakeKsmSysfs fake = FakeKsmSysfs.in(dir).remove("pages_scanned");
        assertThat(new Ksm(fake.root()).status().pagesScanned()).isEqualTo(-1);
    }

    @Test
    void applyWritesTheRateAndRun() {
        FakeKsmSysfs fake = FakeKsmSysfs.in(dir);
        new Ksm(fake.root()).apply(new Ksm.Settings(1, 1000, 20));
        assertThat(fake.get("run")).isEqualTo(1);
        assertThat(fake.get("pages_to_scan")).isEqualTo(1000);
        assertThat(fake.get("sleep_millisecs")).isEqualTo(20);
        assertThat(new Ksm(fake.root()).settings().running()).isTrue();
    }

    @Test
    void aKernelWithoutKsmIsUnavailableWithASentence() {
        Ksm ksm = new Ksm(dir.resolve("missing"));
        assertThat(ksm.available()).isFalse();
        assertThatThrownBy(() -> ksm.apply(new Ksm.Settings(1, 1000, 20)))
                .isInstanceOfSatisfying(SmolvmException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessage("this kernel has no KSM (" + dir.resolve("missing") + " is missing; it needs a kernel "
                        + "built with CONFIG_KSM), so sandboxes cannot share identical pages");
    }

    @Test
    void aGarbledFileIsASentenceNotANumberFormatException() throws IOException {
        FakeKsmSysfs fake = FakeKsmSysfs.in(dir);
        Path run = fake.root().resolve("run");
        Files.writeString(run, "[none]\n");
        assertThatThrownBy(() -> new Ksm(fake.root()).settings()).isInstanceOf(SmolvmException.class)
                .hasMessageStartingWith("cannot read " + run + ": ");
    }
}
