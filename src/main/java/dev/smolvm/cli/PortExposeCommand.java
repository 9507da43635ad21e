package dev.smolvm.cli;

import dev.smolvm.forward.Forward;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "expose",
        mixinStandardHelpOptions = true,
        description = {"Forward a guest port to localhost.",
                "The mapping is host-port:sandbox-port (bind that host port) or sandbox-port (any free one).",
                "Add /udp for UDP (nftables transport only), e.g. 5353:53/udp."})
final class PortExposeCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the running sandbox.")
    String sandbox;

    @Parameters(index = "1", paramLabel = "MAPPING", description = "[host-port:]sandbox-port, e.g. 8080:3000 or 3000.")
    String mapping;

    @Mixin
    PortCommand.ChannelMixin channel;

    @Mixin
    PortCommand.SshMixin ssh;

    @Override
    int run() {
        Forward f = ctx().smolvm().forwards().expose(sandbox, mapping, PortCommand.options(channel, ssh));
        String s = f.suffix();
        return emit(PortCommand.json(sandbox, f), () -> {
            ctx().out.println("Exposed localhost:" + f.hostPort() + s + " → guest:" + f.guestPort() + s);
            ctx().out.println("Connect to localhost:" + f.hostPort());
            ctx().out.println("Stop with: smolvm port close " + sandbox + " " + f.mapping());
        });
    }
}
