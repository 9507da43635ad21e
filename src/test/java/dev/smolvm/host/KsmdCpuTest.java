package dev.smolvm.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** KsmdCpu finds the ksmd thread in a /proc tree and reads its CPU time; here a fake /proc stands in. */
class KsmdCpuTest {
    @TempDir
    Path proc;

    @Test
    void readsNanosecondsFromSchedstat() throws IOException {
        process("1", "init");
        process("39", "ksmd");
        Files.writeString(proc.resolve("39/schedstat"), "223634877 1225844279 2747\n");
        Files.writeString(proc.resolve("self"), "not a process directory");
        var cpu = new KsmdCpu(proc);
        assertThat(cpu.thread()).contains(proc.resolve("39"));
        assertThat(cpu.cpuNanos()).contains(223_634_877L);
    }

    @Test
    void fallsBackToUtimePlusStimeInTicks() throws IOException {
        process("39", "ksmd");
        Files.writeString(proc.resolve("39/stat"), "39 (ksmd) S 2 0 0 0 -1 2097216 0 0 0 0 22 3 0 0 25 5 1 0 19 0 0\n");
        assertThat(new KsmdCpu(proc).cpuNanos()).contains(250_000_000L);
    }

    @Test
    void noKsmdThreadMeansNothingToMeasure() throws IOException {
        process("1", "init");
        assertThat(new KsmdCpu(proc).cpuNanos()).isEmpty();
    }

    @Test
    void percentOfOneCore() {
        assertThat(KsmdCpu.percentOfCore(1_000_000_000L, 1_500_000_000L, 2_000_000_000L)).isEqualTo(25.0);
        assertThat(KsmdCpu.percentOfCore(5, 5, 0)).isZero();
    }

    private void process(String pid, String comm) throws IOException {
        Files.createDirectories(proc.resolve(pid));
        Files.writeString(proc.resolve(pid).resolve("comm"), comm + "\n");
    }
}
