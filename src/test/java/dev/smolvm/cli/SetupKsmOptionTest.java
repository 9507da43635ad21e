package dev.smolvm.cli;

import dev.smolvm.host.Ksm;
import dev.smolvm.host.KsmSetup;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code setup --ksm / --no-ksm}: how the option parses and what setup prints for each result. */
class SetupKsmOptionTest {
    private static SetupCommand parse(String... args) {
        SetupCommand command = new SetupCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void ksmIsOnOffOrLeftAlone() {
        assertThat(parse().ksm).isNull();
        assertThat(parse("--ksm").ksm).isTrue();
        assertThat(parse("--no-ksm").ksm).isFalse();
        assertThat(parse("--no-image", "--ksm", "--json").ksm).isTrue();
    }

    @Test
    void onSaysTheRateAndWhatKsmdCost() {
        var r = new KsmSetup.Result(new Ksm.Settings(1, 1000, 20), 169.04, 4.25, 2.0, 49_500);
        assertThat(SetupCommand.describe(r)).isEqualTo("on (1000 pages every 20 ms); ksmd used 4.3% of one core over "
                + "2.0 s (49500 pages scanned/s); it scans only guest RAM (idle sandboxes merge within a minute and "
                + "then cost less), none when no sandbox runs; 169.0 MiB shared now");
    }

    @Test
    void withoutAKsmdThreadItSaysItCouldNotMeasure() {
        var r = new KsmSetup.Result(new Ksm.Settings(1, 1000, 20), 0, null, 2.0, -1);
        assertThat(SetupCommand.describe(r)).contains("; no ksmd thread found to measure its CPU; ");
    }

    @Test
    void offSaysItUnmerged() {
        var r = new KsmSetup.Result(new Ksm.Settings(2, 1000, 20), 0, null, 0, -1);
        assertThat(SetupCommand.describe(r)).isEqualTo("off (ksmd stopped and its merged pages unmerged; 0.0 MiB "
                + "still shared)");
    }
}
