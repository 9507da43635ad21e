package dev.smolvm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A command that does not exist is a usage error (exit 2) with a sentence, with or without --help. */
class UnknownCommandTest {
    @TempDir
    Path home;

    @Test
    void unknownTopLevelCommand() {
        for (String[] args : new String[][] {{"frobnicate"}, {"frobnicate", "--help"}, {"frobnicate", "-h"}}) {
            var r = InProcess.run(home, args);
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.out()).as("no help printed").isEmpty();
            assertThat(r.err()).isEqualTo("smolvm: unknown command 'frobnicate' for 'smolvm': choose one of sandbox, "
                    + "port, server, image, setup, doctor, prune, ssh, stop.\nTry 'smolvm --help' for usage.\n");
        }
    }

    @Test
    void unknownSubcommand() {
        for (String[] args : new String[][] {{"sandbox", "frobnicate"}, {"sandbox", "frobnicate", "--help"}}) {
            var r = InProcess.run(home, args);
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).startsWith("smolvm: unknown command 'frobnicate' for 'smolvm sandbox': choose one of create, ")
                    .endsWith("\nTry 'smolvm sandbox --help' for usage.\n");
        }
        var port = InProcess.run(home, "port", "frob", "--help");
        assertThat(port.code()).isEqualTo(2);
        assertThat(port.err()).startsWith("smolvm: unknown command 'frob' for 'smolvm port': choose one of expose, close, list.\n");
    }

    @Test
    void withJsonTheUsageErrorIsTheEnvelope() {
        var r = InProcess.run(home, "frobnicate", "--json");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).contains("\"code\" : \"usage\"", "unknown command 'frobnicate'");
    }

    @Test
    void helpOfRealCommandsStillWorks() {
        for (String[] args : new String[][] {{"--help"}, {"sandbox", "--help"}, {"sandbox", "list", "--help"},
                {"port", "list", "-h"}}) {
            var r = InProcess.run(home, args);
            assertThat(r.code()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).startsWith("Usage: smolvm");
        }
    }
}
