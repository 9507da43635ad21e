package dev.smolvm.sandbox;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PhaseRunnerTest {
    final List<String> log = new ArrayList<>();

    Phase step(String name) {
        return Phase.of(name, () -> log.add("do " + name), () -> log.add("undo " + name));
    }

    @Test
    void aFailureUndoesTheFailingPhaseAndAllBeforeItNewestFirst() {
        Phase bad = Phase.of("tap", () -> {
            log.add("do tap");
            throw new IllegalStateException("ip failed");
        }, () -> log.add("undo tap"));
        PhaseRunner runner = new PhaseRunner("boot");
        assertThatThrownBy(() -> runner.run(List.of(step("record"), step("lease"), bad, step("launch")),
                () -> "; detail")).hasMessage("boot failed in phase 'tap': ip failed; detail");
        assertThat(log).containsExactly("do record", "do lease", "do tap", "undo tap", "undo lease", "undo record");
        assertThat(runner.reason()).isEqualTo("ip failed");
        assertThat(runner.timings()).containsOnlyKeys("record", "lease");
    }

    @Test
    void anAbortUndoesOnceAndStopsTheSequence() {
        PhaseRunner runner = new PhaseRunner("boot");
        Phase interrupted = Phase.of("launch", () -> {
            log.add("do launch");
            runner.abort(); // as the shutdown hook would, mid-phase
        }, () -> log.add("undo launch"));
        assertThatThrownBy(() -> runner.run(List.of(step("record"), interrupted, step("channel")), () -> ""))
                .hasMessageContaining("interrupted");
        // launch is undone by the abort and once more when it returns (an undo is idempotent).
        assertThat(log).containsExactly("do record", "do launch", "undo launch", "undo record", "undo launch");
        runner.abort();
        assertThat(log).hasSize(5);
    }

    @Test
    void anUndoThatFailsDoesNotStopTheOthers() {
        Phase flaky = Phase.of("tap", () -> log.add("do tap"), () -> {
            throw new IllegalStateException("gone");
        });
        Phase bad = Phase.of("launch", () -> {
            throw new IllegalStateException("no");
        }, Phase.NOTHING);
        assertThatThrownBy(() -> new PhaseRunner("boot").run(List.of(step("record"), flaky, bad), () -> ""))
                .hasMessage("boot failed in phase 'launch': no");
        assertThat(log).containsExactly("do record", "do tap", "undo record");
    }
}
