package dev.smolvm.sandbox;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ExecSignalsTest {

    @Test
    void nothingToSignalBeforeTheCommandIsBeingStarted() {
        assertThat(new ExecSignals().send(ExecSignals.SIGINT)).isFalse();
    }

    /** Output can reach the user before the host holds the started command: that Ctrl-C is not lost. */
    @Test
    void aSignalSentWhileStartingIsDeliveredAsTheCommandStarts() {
        ExecSignals signals = new ExecSignals();
        List<Integer> sent = new ArrayList<>();
        signals.starting();
        assertThat(signals.send(ExecSignals.SIGINT)).isTrue();
        assertThat(signals.send(ExecSignals.SIGKILL)).as("a second one while still starting").isFalse();
        signals.attach(sent::add);
        assertThat(sent).containsExactly(ExecSignals.SIGINT);
        assertThat(signals.send(ExecSignals.SIGKILL)).isTrue();
        assertThat(sent).containsExactly(ExecSignals.SIGINT, ExecSignals.SIGKILL);
    }
}
