package dev.smolvm.cli;

import dev.smolvm.forward.Forward;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "close",
        mixinStandardHelpOptions = true,
        description = {"Remove a forwarded port.",
                "Both ports are required; use 'smolvm port list' if you have forgotten the mapping."})
final class PortCloseCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Parameters(index = "1", paramLabel = "MAPPING", description = "The mapping to remove, as host-port:sandbox-port.")
    String mapping;

    @Mixin
    PortCommand.ChannelMixin channel;

    @Mixin
    PortCommand.SshMixin ssh;

    @Override
    int run() {
        Forward f = ctx().smolvm().forwards().close(sandbox, mapping, PortCommand.options(channel, ssh));
        String s = f.suffix();
        return emit(PortCommand.json(sandbox, f), () ->
                ctx().out.println("Closed localhost:" + f.hostPort() + s + " → guest:" + f.guestPort() + s));
    }
}
