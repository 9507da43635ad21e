package dev.smolvm.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ConsoleLogsTest {
    @TempDir
    Path dir;

    @Test
    void copiesOnlyWhatWasAppendedAndStartsOverWhenTheLogIsRewritten() throws Exception {
        Path log = dir.resolve("console.log");
        var out = new ByteArrayOutputStream();
        assertThat(ConsoleLogs.copyFrom(log, 0, out)).as("no log yet").isZero();

        Files.writeString(log, "boot line 1\n");
        long offset = ConsoleLogs.copyFrom(log, 0, out);
        Files.writeString(log, "smolvm: guest ready\n", java.nio.file.StandardOpenOption.APPEND);
        offset = ConsoleLogs.copyFrom(log, offset, out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("boot line 1\nsmolvm: guest ready\n");

        Files.writeString(log, "new boot\n"); // a start writes a fresh log
        ConsoleLogs.copyFrom(log, offset, out);
        assertThat(out.toString(StandardCharsets.UTF_8)).endsWith("guest ready\nnew boot\n");
    }

    @Test
    void onlyGeneratedIdsNameAKeptLog() {
        assertThat(SandboxNames.isId("vm-0a1b2c3d")).isTrue();
        assertThat(SandboxNames.isId("../../etc/passwd")).isFalse();
        assertThat(SandboxNames.isId("web")).isFalse();
    }
}
