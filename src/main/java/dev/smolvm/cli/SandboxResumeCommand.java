package dev.smolvm.cli;

import dev.smolvm.sandbox.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "resume",
        mixinStandardHelpOptions = true,
        description = "Continue a paused sandbox.")
final class SandboxResumeCommand extends BaseCommand {
    @Parameters(paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Override
    int run() {
        Sandbox s = ctx().smolvm().pauses().resume(sandbox);
        return emit(s.toJson(), () -> ctx().out.println("Resumed sandbox '" + s.name() + "'"));
    }
}
