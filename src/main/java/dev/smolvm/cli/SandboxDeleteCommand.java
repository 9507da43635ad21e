package dev.smolvm.cli;

import dev.smolvm.sandbox.Sandbox;
import dev.smolvm.sandbox.Sandboxes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

@Command(name = "delete", aliases = "rm",
        mixinStandardHelpOptions = true,
        description = {"Delete sandboxes and everything they hold: disk, network, forwards, SSH connection.",
                "A running sandbox needs --force."})
final class SandboxDeleteCommand extends BaseCommand {
    @Parameters(paramLabel = "SANDBOX", arity = "0..*", description = "Names or IDs of sandboxes.")
    List<String> sandboxes = new ArrayList<>();

    @Option(names = "--all", description = "Delete every sandbox.")
    boolean all;

    @Option(names = {"-f", "--force"}, description = "Kill running sandboxes instead of refusing.")
    boolean force;

    @Override
    int run() {
        if (all == !sandboxes.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    all ? "give sandbox names or --all, not both" : "name the sandboxes to delete, or pass --all");
        }
        Sandboxes core = ctx().smolvm().sandboxes();
        List<String> refs = all ? core.allIds() : sandboxes;
        List<Object> deleted = new ArrayList<>();
        for (String ref : refs) {
            Sandbox s = core.delete(ref, force);
            deleted.add(java.util.Map.of("id", s.id(), "name", s.name()));
            if (!json) {
                ctx().out.println("Deleted sandbox '" + s.name() + "'");
            }
        }
        if (!json && refs.isEmpty()) {
            ctx().out.println("No sandboxes to delete.");
        }
        return emit(java.util.Map.of("deleted", deleted), () -> { });
    }

}
