package dev.smolvm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An option whose value is one of a fixed set: the help lists the set, and any other value is a
 * usage error (exit 2) naming the valid values, before anything runs.
 */
class WireNameOptionsTest {
    @TempDir
    Path home;

    private void assertUsage(String option, String choices, String command, String... args) {
        var r = InProcess.run(home, args);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).as(r.toString()).isEmpty();
        String bad = args[java.util.Arrays.asList(args).indexOf(option) + 1];
        assertThat(r.err()).isEqualTo("smolvm: Invalid value for option '" + option + "': '" + bad + "' is not one of "
                + choices + ".\nTry 'smolvm " + command + " --help' for usage.\n");
    }

    @Test
    void commChannelOfEveryPortCommand() {
        assertUsage("--comm-channel", "ssh, vsock", "port expose", "port", "expose", "web", "3000", "--comm-channel", "bad");
        assertUsage("--comm-channel", "ssh, vsock", "port close", "port", "close", "web", "8080:3000", "--comm-channel", "tcp");
        assertUsage("--comm-channel", "ssh, vsock", "port list", "port", "list", "web", "--comm-channel", "SSH");
        assertUsage("--comm-channel", "ssh, vsock", "port list", "sandbox", "port", "list", "web",
                "--comm-channel", "");
    }

    @Test
    void sandboxCreateOptions() {
        assertUsage("--backend", "qemu, firecracker, libkrun", "sandbox create", "sandbox", "create", "--backend", "vmware");
        assertUsage("--os", "debian, ubuntu, alpine, windows", "sandbox create", "sandbox", "create", "--os", "beos");
        assertUsage("--network", "open, off, restricted", "sandbox create", "sandbox", "create", "--network", "closed");
        assertThat(InProcess.run(home, "sandbox", "list", "--all").out()).isEqualTo("No sandboxes.\n");
    }

    @Test
    void otherCommands() {
        assertUsage("--status", "creating, starting, running, paused, stopped, error", "sandbox list",
                "sandbox", "list", "--status", "RUNNING");
        assertUsage("--shell", "login, raw", "sandbox exec", "sandbox", "exec", "web", "--shell", "zsh", "--", "true");
        assertUsage("--os", "debian, ubuntu, alpine, windows", "image build", "image", "build", "--os", "haiku");
    }

    @Test
    void withJsonTheUsageErrorIsTheEnvelope() {
        var r = InProcess.run(home, "port", "list", "web", "--comm-channel", "bad", "--json");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).contains("\"command\" : \"port list\"", "\"exit_code\" : 2", "\"code\" : \"usage\"",
                "'bad' is not one of ssh, vsock.");
    }

    @Test
    void helpListsTheCandidates() {
        assertThat(help("sandbox", "create")).contains("Runtime backend: qemu, firecracker, libkrun (default: qemu)")
                .contains("Guest OS: debian, ubuntu, alpine, windows (default:")
                .contains("Egress: open (default;").contains("off (none), restricted (only");
        assertThat(help("sandbox", "list")).contains("creating, starting, running, paused, stopped, error.");
        assertThat(help("port", "expose")).contains("--comm-channel={ssh,vsock}");
        assertThat(help("image", "build")).contains("Which image: debian, ubuntu, alpine, windows");
        assertThat(help("sandbox", "exec")).contains("--shell=MODE").contains("(default: login)");
    }

    private String help(String... command) {
        String[] args = java.util.Arrays.copyOf(command, command.length + 1);
        args[command.length] = "--help";
        var r = InProcess.run(home, args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r.out().replaceAll("\\s+", " "); // as one line, whatever the wrapping
    }

    @Test
    void aValidValueStillReachesTheCore() {
        var r = InProcess.run(home, "sandbox", "list", "--status", "stopped");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("No sandboxes.\n");
        var channel = InProcess.run(home, "port", "list", "ghost", "--comm-channel", "ssh");
        assertThat(channel.code()).as(channel.toString()).isEqualTo(1);
        assertThat(channel.err()).startsWith("smolvm: no sandbox named 'ghost'");
    }
}
