package dev.smolvm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A bad SMOLVM_NETWORK or SMOLVM_ACCEL ends the command in one sentence, exit 1, before anything is opened. */
class EnvironmentErrorsTest {
    @TempDir
    Path home;

    private String[] run(Map<String, String> extraEnv, String... args) {
        var env = new java.util.HashMap<>(extraEnv);
        env.put("SMOLVM_HOME", home.toString());
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]));
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void bogusNetworkMode() {
        String[] r = run(Map.of("SMOLVM_NETWORK", "bogus"), "sandbox", "list");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).isEqualTo("smolvm: SMOLVM_NETWORK must be tap or user, not 'bogus'; unset it to let smolvm choose.\n");
        assertThat(home.resolve("smolvm.db")).as("nothing opened").doesNotExist();
    }

    @Test
    void bogusAccelerator() {
        String[] r = run(Map.of("SMOLVM_ACCEL", "fast"), "sandbox", "list", "--json");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).contains("\"code\" : \"invalid_input\"")
                .contains("SMOLVM_ACCEL must be kvm or tcg, not 'fast'; unset it to let smolvm probe.");
    }
}
