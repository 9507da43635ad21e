package dev.smolvm.doctor;

import dev.smolvm.doctor.Doctor.Level;
import dev.smolvm.host.FakeKsmSysfs;
import dev.smolvm.host.Ksm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The doctor's ksm check against a fake sysfs: unavailable, off (a hint) and on (what it saves). */
class KsmCheckTest {
    @TempDir
    Path dir;

    @Test
    void offIsAWarningThatNamesTheCommandAndWhatItDoes() {
        var check = KsmCheck.of(new Ksm(FakeKsmSysfs.in(dir).root()));
        assertThat(check.name()).isEqualTo("ksm");
        assertThat(check.level()).isEqualTo(Level.WARN);
        assertThat(check.detail()).isEqualTo("off (run=0, 100 pages every 20 ms when on): sandboxes restored from "
                + "one snapshot keep separate copies of their identical pages");
        assertThat(check.fix()).startsWith("run 'smolvm setup --ksm' (as root) to turn it on: ")
                .contains("merges identical guest pages", "of one core", "docs/security.md");
    }

    @Test
    void onPassesAndSaysWhatItSaves() {
        var fake = FakeKsmSysfs.in(dir).set("run", 1).set("pages_to_scan", 1000).set("pages_sharing", 43264);
        var check = KsmCheck.of(new Ksm(fake.root()));
        assertThat(check.level()).isEqualTo(Level.PASS);
        assertThat(check.detail()).isEqualTo("running (1000 pages every 20 ms); it saves 169.0 MiB now by sharing "
                + "identical pages");
    }

    @Test
    void stoppedAndUnmergedIsOffToo() {
        var check = KsmCheck.of(new Ksm(FakeKsmSysfs.in(dir).set("run", 2).root()));
        assertThat(check.level()).isEqualTo(Level.WARN);
        assertThat(check.detail()).startsWith("off (run=2, ");
    }

    @Test
    void aKernelWithoutKsmSaysSo() {
        var check = KsmCheck.of(new Ksm(dir.resolve("ksm")));
        assertThat(check.level()).isEqualTo(Level.WARN);
        assertThat(check.detail()).isEqualTo("this kernel has no KSM (" + dir.resolve("ksm") + " is missing), so "
                + "sandboxes cannot share identical memory pages");
    }
}
