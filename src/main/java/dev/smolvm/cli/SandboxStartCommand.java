package dev.smolvm.cli;

import dev.smolvm.sandbox.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;

@Command(name = "start",
        mixinStandardHelpOptions = true,
        description = "Boot a stopped sandbox again, with the disk it had.")
final class SandboxStartCommand extends BaseCommand {
    @Parameters(paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Option(names = "--boot-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to wait for the guest to answer (default: ${DEFAULT-VALUE}).")
    int bootTimeout;

    @Override
    int run() {
        Sandbox s = ctx().smolvm().sandboxes().start(sandbox, Duration.ofSeconds(bootTimeout), ctx().progress());
        return emit(s.toJson(), () -> ctx().out.println("Started sandbox '" + s.name() + "' at " + s.guestIp()));
    }
}
