package dev.smolvm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;

/**
 * The command hierarchy, built lazily: picocli introspects every command class it is given, which
 * costs far more start-up time than running the one command asked for. So only the branch named
 * on the command line is built; help and usage errors get the whole tree.
 */
final class CommandTree {
    private record Node(Class<?> type, List<Node> children) {
        List<String> names() {
            Command c = type.getAnnotation(Command.class);
            List<String> names = new ArrayList<>(List.of(c.name()));
            names.addAll(List.of(c.aliases()));
            return names;
        }
    }

    private static Node node(Class<?> type, Node... children) {
        return new Node(type, List.of(children));
    }

    /** {@code smolvm port …}, also reachable as {@code smolvm sandbox port …} (the original's spelling). */
    private static final Node PORT = node(PortCommand.class,
            node(PortExposeCommand.class), node(PortCloseCommand.class), node(PortListCommand.class));

    private static final List<Node> TOP = List.of(
            node(SandboxCommand.class,
                    node(SandboxCreateCommand.class), node(SandboxListCommand.class), node(SandboxInfoCommand.class),
                    node(SandboxStartCommand.class), node(SandboxStopCommand.class), node(SandboxDeleteCommand.class),
                    node(SandboxExecCommand.class), node(SandboxShellCommand.class), node(SandboxSshCommand.class),
                    node(SandboxLogsCommand.class), node(SandboxPauseCommand.class), node(SandboxResumeCommand.class),
                    node(SandboxForkCommand.class),
                    node(SnapshotCommand.class, node(SnapshotCommand.Create.class), node(SnapshotCommand.ListSnapshots.class),
                            node(SnapshotCommand.Delete.class), node(SnapshotCommand.Restore.class)),
                    node(SandboxFileCommand.class,
                            node(SandboxFileUploadCommand.class), node(SandboxFileDownloadCommand.class)),
                    node(SandboxEnvCommand.class,
                            node(SandboxEnvSetCommand.class), node(SandboxEnvUnsetCommand.class),
                            node(SandboxEnvListCommand.class)),
                    PORT),
            PORT,
            node(ServerCommand.class, node(ServerCommand.Start.class), node(ServerCommand.OpenApiSpec.class)),
            node(ImageCommand.class,
                    node(ImageCommand.Build.class), node(ImageCommand.Pull.class), node(ImageCommand.Import.class),
                    node(ImageCommand.ListImages.class), node(ImageCommand.Inspect.class), node(ImageCommand.Remove.class),
                    node(ImageRecipe.class)),
            node(SetupCommand.class),
            node(DoctorCommand.class),
            node(PruneCommand.class),
            node(SandboxSshCommand.class),
            node(SandboxStopCommand.class),
            node(AotTrainCommand.class));

    private CommandTree() {
    }

    /** Adds to {@code root} the subcommands {@code args} lead to (all of them where args name none). */
    static void attach(CommandLine root, String[] args) {
        attach(root, TOP, args, 0);
    }

    private static void attach(CommandLine parent, List<Node> children, String[] args, int index) {
        String next = index >= 0 && index < args.length ? args[index] : null;
        for (Node child : children) {
            if (next != null && child.names().contains(next)) {
                CommandLine sub = new CommandLine(child.type(), CommandLine.defaultFactory());
                parent.addSubcommand(sub);
                attach(sub, child.children(), args, index + 1);
                return;
            }
        }
        for (Node child : children) {
            CommandLine sub = new CommandLine(child.type(), CommandLine.defaultFactory());
            parent.addSubcommand(sub);
            attach(sub, child.children(), args, -1);
        }
    }
}
