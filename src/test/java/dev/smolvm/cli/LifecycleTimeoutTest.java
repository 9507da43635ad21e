package dev.smolvm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Stop and start timeouts are checked by the core (every door alike), before the sandbox is looked up. */
class LifecycleTimeoutTest {
    @TempDir
    Path home;

    @Test
    void aNegativeStopTimeoutIsInvalidInputWhateverTheSandbox() {
        var r = InProcess.run(home, "sandbox", "stop", "nobody", "--timeout", "-1");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smolvm: the stop timeout must not be negative (it was -1 s).\n");
        var unknown = InProcess.run(home, "sandbox", "stop", "nobody", "--timeout", "0");
        assertThat(unknown.err()).as("0 is allowed: then it is the sandbox that is not found")
                .startsWith("smolvm: no sandbox named 'nobody'");
    }
}
