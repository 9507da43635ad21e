package dev.smolvm.cli;

import dev.smolvm.sandbox.Sandbox;
import dev.smolvm.sandbox.Snapshots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Map;

@Command(name = "snapshot",
        mixinStandardHelpOptions = true,
        description = {"Save a sandbox's memory, devices and disk, and make new sandboxes from it.",
                "A restored sandbox carries on from the snapshot's moment, with its files and processes.",
                "Each is its own machine: new address, MAC and hostname, its clock set, its random generator reseeded.",
                "Port forwards are not carried over: expose them again on the new sandbox."},
        footer = {"", "Examples:",
                "  smolvm sandbox snapshot create demo --name warm",
                "  smolvm sandbox snapshot restore warm --name demo2",
                "  smolvm sandbox snapshot list",
                "  smolvm sandbox snapshot delete warm"})
final class SnapshotCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: choose one of create, list, delete, restore");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Snapshot a running or paused sandbox; it goes on as it was.",
                    "Its disk is frozen into the snapshot, and the sandbox writes to a new layer above it."})
    static final class Create extends BaseCommand {
        @Parameters(paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
        String sandbox;

        @Option(names = "--name", paramLabel = "SNAP", description = "Name of the snapshot (default: SANDBOX-<time>).")
        String name;

        @Override
        int run() {
            Snapshots.Snapshot s = ctx().smolvm().snapshots().create(sandbox, name, ctx().progress());
            return emit(s.toJson(), () -> ctx().out.println("Saved snapshot '" + s.name() + "' of sandbox '" + s.source()
                    + "' (" + s.savedBytes() / (1024 * 1024) + " MiB of state, " + s.tookMs() + " ms)"));
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List snapshots.")
    static final class ListSnapshots extends BaseCommand {
        @Override
        int run() {
            List<Snapshots.Snapshot> all = ctx().smolvm().snapshots().list();
            return emit(all.stream().map(Snapshots.Snapshot::toJson).toList(), () -> {
                if (all.isEmpty()) {
                    ctx().out.println("No snapshots; 'smolvm sandbox snapshot create SANDBOX' makes one.");
                    return;
                }
                Table t = new Table("Snapshots", "Name", "Source", "Created", "Memory", "State MiB");
                all.forEach(s -> t.row(s.name(), s.source(), s.createdAt().toString(), s.memoryMib() + " MiB",
                        s.savedBytes() / (1024 * 1024)));
                ctx().out.print(t.render());
            });
        }
    }

    @Command(name = "delete", aliases = "rm", mixinStandardHelpOptions = true,
            description = "Delete a snapshot (refused while a sandbox or another snapshot stands on it).")
    static final class Delete extends BaseCommand {
        @Parameters(paramLabel = "SNAP", description = "Name of the snapshot.")
        String name;

        @Override
        int run() {
            ctx().smolvm().snapshots().delete(name);
            return emit(Map.of("name", name, "deleted", true), () -> ctx().out.println("Deleted snapshot '" + name + "'"));
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Make a new sandbox from a snapshot: it runs on from the snapshot's moment, as its own machine."})
    static final class Restore extends BaseCommand {
        @Parameters(paramLabel = "SNAP", description = "Name of the snapshot.")
        String name;

        @Option(names = "--name", paramLabel = "NEW", description = "Name of the new sandbox (default: its id).")
        String newName;

        @Override
        int run() {
            Sandbox s = ctx().smolvm().snapshots().restore(name, newName, ctx().progress());
            return emit(s.toJson(), () -> ctx().out.println("Restored snapshot '" + name + "' as sandbox '" + s.name()
                    + "', running at " + s.guestIp()));
        }
    }
}
