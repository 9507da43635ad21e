package dev.smolvm.cli;

import dev.smolvm.forward.ForwardsFile;
import dev.smolvm.forward.PortMapping;
import dev.smolvm.forward.Protocol;
import dev.smolvm.forward.TransportKind;
import dev.smolvm.guest.GuestCommand;
import dev.smolvm.guest.ShellWords;
import dev.smolvm.guest.SshChannel;
import dev.smolvm.guest.SshTarget;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Hidden: the launcher's training run for the start-up cache (JDK AOT cache). It walks the code
 * paths commands take — parsing every command line shape, the core, listing, JSON and tables, the
 * state file, running ssh — without touching any sandbox, so the classes they load are cached.
 * Run against a throwaway SMOLVM_HOME.
 */
@Command(name = "__aot-train", hidden = true, description = "Exercise common code paths (start-up cache training).")
final class AotTrainCommand extends BaseCommand {
    @Override
    int run() {
        CommandLine full = new CommandLine(new SmolvmCommand(ctx()));
        CommandTree.attach(full, new String[0]);
        for (String[] args : new String[][] {
                {"sandbox", "create", "--name", "x", "--memory", "512"}, {"sandbox", "exec", "x", "--", "true"},
                {"sandbox", "list", "--json"}, {"port", "expose", "x", "8080:3000"}, {"port", "list", "x"},
                {"sandbox", "delete", "--force", "x"}, {"server", "start", "--port", "0"}}) {
            full.parseArgs(args);
        }
        new CommandLine(new SmolvmCommand(ctx())).getCommandSpec(); // the usage renderer's classes
        full.getUsageMessage();
        var smolvm = ctx().smolvm();
        var sandboxes = smolvm.sandboxes().list();
        var home = smolvm.home();
        var file = new ForwardsFile(home.forwards().resolve("train.json"));
        file.write("train", "vm-00000000", List.of(new dev.smolvm.forward.Forward(8080, 3000, Protocol.TCP,
                "8080:3000", TransportKind.NFTABLES, "172.16.0.2", null, true, "2026-01-01T00:00:00Z")));
        file.read();
        file.delete();
        PortMapping.parse("8080:3000");
        PortMapping.parse("5353:53/udp");
        String remote = GuestCommand.login(ShellWords.quoteAll(List.of("true")), "/tmp", Map.of("A", "1"), "train");
        // ssh to a closed loopback port fails at once, but loads what a real exec loads.
        var target = new SshTarget("127.0.0.1", 1, "root", home.defaultSshKey(), home.root().resolve("known_hosts"),
                null);
        var sink = new ByteArrayOutputStream();
        new SshChannel(target).exec(remote, Duration.ofSeconds(5), null, sink, sink, () -> { });
        new Table("t", "a", "b").row(1, "x").render();
        return emit(Map.of("sandboxes", sandboxes.size()), () -> ctx().out.println("trained"));
    }
}
