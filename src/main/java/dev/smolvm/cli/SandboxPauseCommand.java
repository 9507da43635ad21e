package dev.smolvm.cli;

import dev.smolvm.sandbox.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "pause",
        mixinStandardHelpOptions = true,
        description = {"Pause a running sandbox: its vCPUs stop, its memory, address and port forwards stay.",
                "'resume' continues it where it stood."})
final class SandboxPauseCommand extends BaseCommand {
    @Parameters(paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Override
    int run() {
        Sandbox s = ctx().smolvm().pauses().pause(sandbox);
        return emit(s.toJson(), () -> ctx().out.println("Paused sandbox '" + s.name() + "'"));
    }
}
