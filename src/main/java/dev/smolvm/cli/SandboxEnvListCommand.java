package dev.smolvm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.Map;

@Command(name = "list",
        mixinStandardHelpOptions = true,
        description = "Show the variables kept for a sandbox, one NAME=VALUE a line.")
final class SandboxEnvListCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Override
    int run() {
        Map<String, String> env = ctx().smolvm().sandboxEnv().list(sandbox);
        return emit(SandboxEnvCommand.json(sandbox, env), () -> SandboxEnvCommand.print(ctx().out, env));
    }
}
