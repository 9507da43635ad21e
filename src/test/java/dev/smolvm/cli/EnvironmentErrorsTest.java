package dev.smolvm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A bad SMOLVM_NETWORK or SMOLVM_ACCEL ends the command in one sentence, exit 1, before anything is opened. */
class EnvironmentErrorsTest {
    @TempDir
    Path home;

    @Test
    void bogusNetworkMode() {
        var r = InProcess.run(home, Map.of("SMOLVM_NETWORK", "bogus"), "sandbox", "list");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smolvm: SMOLVM_NETWORK must be tap or user, not 'bogus'; unset it to let smolvm choose.\n");
        assertThat(home.resolve("smolvm.db")).as("nothing opened").doesNotExist();
    }

    @Test
    void bogusAccelerator() {
        var r = InProcess.run(home, Map.of("SMOLVM_ACCEL", "fast"), "sandbox", "list", "--json");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("\"code\" : \"invalid_input\"")
                .contains("SMOLVM_ACCEL must be kvm or tcg, not 'fast'; unset it to let smolvm probe.");
    }
}
