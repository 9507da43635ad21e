package dev.smolvm.cli;

import dev.smolvm.forward.ChannelOptions;
import dev.smolvm.forward.CommChannel;
import dev.smolvm.forward.Forward;
import dev.smolvm.forward.ForwardInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Map;

@Command(name = "port",
        mixinStandardHelpOptions = true,
        description = {"Forward ports of a running sandbox to 127.0.0.1 on this host.",
                "Forwards survive this command exiting; they last until 'port close', until the sandbox",
                "stops, or until the host reboots. State: ~/.smolvm/forwards/<sandbox>.json."},
        footer = {"", "Examples:",
                "  smolvm port expose my-vm 8080:3000   # localhost:8080 -> guest port 3000",
                "  smolvm port expose my-vm 3000        # any free host port -> guest port 3000",
                "  smolvm port list my-vm",
                "  smolvm port close my-vm 8080:3000"})
final class PortCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: choose one of expose, close, list");
    }

    /** The options every port subcommand shares. */
    static class ChannelMixin {
        @Option(names = "--comm-channel", paramLabel = "{ssh,vsock}",
                description = "Host-to-guest control channel; leave unset for auto-selection.")
        CommChannel commChannel;
    }

    /** The SSH options of expose and close. */
    static class SshMixin {
        @Option(names = "--ssh-key", paramLabel = "PATH",
                description = "SSH private key path for connecting to the sandbox (default: ~/.smolvm/keys/id_ed25519).")
        Path sshKey;

        @Option(names = "--ssh-user", paramLabel = "USER", defaultValue = "root",
                description = "SSH user to connect as (default: ${DEFAULT-VALUE}).")
        String sshUser;
    }

    static ChannelOptions options(ChannelMixin channel, SshMixin ssh) {
        return new ChannelOptions(channel.commChannel, ssh == null ? null : ssh.sshUser, ssh == null ? null : ssh.sshKey);
    }

    /** The forward's JSON, with the sandbox as the user named it. */
    static Map<String, Object> json(String sandbox, Forward f) {
        return ForwardInfo.of(sandbox, f).toJson();
    }
}
