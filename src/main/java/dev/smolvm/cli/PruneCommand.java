package dev.smolvm.cli;

import dev.smolvm.sandbox.Prune;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "prune",
        mixinStandardHelpOptions = true,
        description = {"Remove what smolvm left on this host that no sandbox owns: orphan VMs, TAP devices, "
                + "egress chains, SSH masters, sandbox directories and forwards files.",
                "Only this smolvm home's resources are touched; what cannot be attributed is left alone and said so."},
        footer = {"", "Examples:", "  smolvm prune --dry-run", "  smolvm prune --json"})
final class PruneCommand extends BaseCommand {
    @Option(names = "--dry-run", description = "Only list what would be removed.")
    boolean dryRun;

    @Override
    int run() {
        Prune.Result result = ctx().smolvm().sandboxes().prune(dryRun);
        return emit(result.toJson(), () -> {
            String verb = dryRun ? "Would remove" : "Removed";
            if (result.items().isEmpty()) {
                ctx().out.println("Nothing to prune.");
            }
            for (Prune.Item item : result.items()) {
                ctx().out.println(verb + " " + item.kind() + " " + item.name() + " (" + item.why() + ")");
            }
            for (String note : result.notes()) {
                ctx().out.println("Note: " + note);
            }
        });
    }
}
