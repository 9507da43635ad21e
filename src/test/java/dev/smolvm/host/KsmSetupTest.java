package dev.smolvm.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** setup --ksm / --no-ksm against a fake sysfs and /proc: what it writes, what it reports, and its JSON shape. */
class KsmSetupTest {
    @TempDir
    Path sysfs;
    @TempDir
    Path proc;

    @Test
    void turningOnWritesTheChosenRateAndReportsKsmdsCpu() throws IOException {
        FakeKsmSysfs fake = FakeKsmSysfs.in(sysfs).set("pages_sharing", 43264);
        Files.createDirectories(proc.resolve("39"));
        Files.writeString(proc.resolve("39/comm"), "ksmd\n");
        Files.writeString(proc.resolve("39/schedstat"), "1000 0 0\n");
        List<String> steps = new ArrayList<>();
        var setup = new KsmSetup(new Ksm(fake.root()), new KsmdCpu(proc), Duration.ofMillis(20));
        KsmSetup.Result r = setup.turnOn(steps::add);
        assertThat(fake.get("run")).isEqualTo(1);
        assertThat(fake.get("pages_to_scan")).isEqualTo(KsmSetup.ON.pagesToScan());
        assertThat(fake.get("sleep_millisecs")).isEqualTo(KsmSetup.ON.sleepMillisecs());
        assertThat(steps).singleElement().asString().startsWith("KSM on: ksmd scans ");
        assertThat(r.ksmdCpuPercent()).isZero(); // the fake thread's CPU time did not move
        assertThat(r.measuredSeconds()).isGreaterThanOrEqualTo(0.02);
        assertThat(r.pagesScannedPerSecond()).isZero();
        assertThat(r.toJson()).containsOnlyKeys("running", "run", "pages_to_scan", "sleep_millisecs", "sharing_mib",
                        "ksmd_cpu_percent", "measured_seconds", "pages_scanned_per_second")
                .containsEntry("running", true).containsEntry("sharing_mib", 169.0)
                .containsEntry("ksmd_cpu_percent", 0.0);
    }

    @Test
    void withoutAKsmdThreadTheCpuIsUnknownNotZero() {
        FakeKsmSysfs fake = FakeKsmSysfs.in(sysfs).remove("pages_scanned");
        KsmSetup.Result r = new KsmSetup(new Ksm(fake.root()), new KsmdCpu(proc), Duration.ofMillis(1))
                .turnOn(Progress.SILENT);
        assertThat(r.ksmdCpuPercent()).isNull();
        assertThat(r.pagesScannedPerSecond()).isEqualTo(-1);
        assertThat(r.toJson()).containsEntry("ksmd_cpu_percent", null);
    }

    @Test
    void turningOffUnmergesAndKeepsTheRate() {
        FakeKsmSysfs fake = FakeKsmSysfs.in(sysfs).set("run", 1).set("pages_to_scan", 1000);
        KsmSetup.Result r = new KsmSetup(new Ksm(fake.root()), new KsmdCpu(proc), Duration.ofMillis(1))
                .turnOff(Progress.SILENT);
        assertThat(fake.get("run")).isEqualTo(2);
        assertThat(fake.get("pages_to_scan")).isEqualTo(1000);
        assertThat(r.settings().running()).isFalse();
        assertThat(r.toJson()).containsEntry("running", false).containsEntry("run", 2);
    }
}
