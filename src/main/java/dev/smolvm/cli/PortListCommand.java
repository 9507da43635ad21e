package dev.smolvm.cli;

import dev.smolvm.forward.ChannelOptions;
import dev.smolvm.forward.Forward;
import dev.smolvm.forward.PortForwards;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "list", aliases = "ls",
        mixinStandardHelpOptions = true,
        description = {"Show every active forward of a sandbox.",
                "Each forward is checked first (rule present, tunnel alive); dead ones are removed."})
final class PortListCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Mixin
    PortCommand.ChannelMixin channel;

    @Override
    int run() {
        new ChannelOptions(channel.commChannel, null, null).validated();
        PortForwards.Listing l = ctx().smolvm().forwards().list(sandbox);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("sandbox", sandbox);
        data.put("forwards", l.forwards().stream().map(f -> PortCommand.json(sandbox, f)).toList());
        data.put("pruned", l.pruned().stream().map(Forward::mapping).toList());
        return emit(data, () -> {
            for (Forward dead : l.pruned()) {
                ctx().err.println("Removed dead forward " + dead.mapping() + " (" + dead.transport().wireName() + ")");
            }
            if (l.forwards().isEmpty()) {
                ctx().out.println("No active port forwards for '" + sandbox + "'.");
                return;
            }
            Table t = new Table("Port Forwards — " + sandbox, "Host port", "Sandbox port", "Transport");
            for (Forward f : l.forwards()) {
                t.row(f.hostPort(), f.guestPort() + f.suffix(), f.transport().wireName());
            }
            ctx().out.print(t.render());
        });
    }
}
