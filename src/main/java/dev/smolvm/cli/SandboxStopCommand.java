package dev.smolvm.cli;

import dev.smolvm.sandbox.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;

@Command(name = "stop",
        mixinStandardHelpOptions = true,
        description = {"Power a sandbox off. Its disk is kept; 'start' boots it again.",
                "Port forwards and the SSH connection of the sandbox are released."})
final class SandboxStopCommand extends BaseCommand {
    @Parameters(paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Option(names = {"-t", "--timeout"}, paramLabel = "SECONDS", defaultValue = "10",
            description = "How long the guest gets to power off before it is killed (default: ${DEFAULT-VALUE}).")
    int timeout;

    @Override
    int run() {
        Sandbox s = ctx().smolvm().sandboxes().stop(sandbox, Duration.ofSeconds(timeout));
        return emit(s.toJson(), () -> ctx().out.println("Stopped sandbox '" + s.name() + "'"));
    }
}
