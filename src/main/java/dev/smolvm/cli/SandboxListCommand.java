package dev.smolvm.cli;

import dev.smolvm.sandbox.Sandbox;
import dev.smolvm.store.SandboxStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

@Command(name = "list", aliases = "ls",
        mixinStandardHelpOptions = true,
        description = "List sandboxes. Shows running ones unless --all or --status is given.")
final class SandboxListCommand extends BaseCommand {
    @Option(names = {"-a", "--all"}, description = "Include stopped and failed sandboxes.")
    boolean all;

    @Option(names = "--status", paramLabel = "STATUS", description = "Only sandboxes in this state: ${COMPLETION-CANDIDATES}.")
    SandboxStatus status;

    @Override
    int run() {
        SandboxStatus wanted = status;
        List<Sandbox> shown = ctx().smolvm().sandboxes().list().stream()
                .filter(s -> wanted != null ? s.status() == wanted : all || s.status().hasVm() || s.pid() != null) // pid: a live VM whose agent is silent
                .toList();
        return emit(shown.stream().map(Sandbox::toJson).toList(), () -> {
            if (shown.isEmpty()) {
                ctx().out.println(all || wanted != null ? "No sandboxes." : "No running sandboxes (see --all).");
                return;
            }
            Table t = new Table("Sandboxes", "Name", "ID", "Status", "Address", "Memory MiB", "Disk MiB", "Backend");
            for (Sandbox s : shown) {
                t.row(s.name(), s.id(), s.status().wireName(), s.up() ? s.guestIp() : "-", s.memoryMib(),
                        s.diskMib(), s.backend() + "/" + s.accel());
            }
            ctx().out.print(t.render());
        });
    }
}
