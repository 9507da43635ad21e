package dev.smolvm.cli;

import dev.smolvm.sandbox.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "fork",
        mixinStandardHelpOptions = true,
        description = {"Clone a running sandbox in one step: new sandboxes that carry on from this moment of it.",
                "The source keeps running; each clone is its own machine (address, MAC, hostname, clock, entropy).",
                "No named snapshot is left behind: the one between them is hidden, and prune removes it once unused."},
        footer = {"", "Examples:",
                "  smolvm sandbox fork demo --name trial",
                "  smolvm sandbox fork demo --name worker --count 3     (worker-1, worker-2, worker-3)"})
final class SandboxForkCommand extends BaseCommand {
    @Parameters(paramLabel = "SANDBOX", description = "Name or ID of the running sandbox.")
    String sandbox;

    @Option(names = "--name", paramLabel = "NEW", description = "Name of the clone; with --count, NEW-1, NEW-2, and so on.")
    String name;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "How many clones, 1 to 16 (default: 1).")
    int count;

    @Override
    int run() {
        List<Sandbox> clones = ctx().smolvm().snapshots().fork(sandbox, name, count, ctx().progress());
        return emit(clones.stream().map(Sandbox::toJson).toList(), () -> clones.forEach(c ->
                ctx().out.println("Forked sandbox '" + sandbox + "' as '" + c.name() + "', running at " + c.guestIp())));
    }
}
