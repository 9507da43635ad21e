package dev.smolvm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;

@Command(name = "unset",
        mixinStandardHelpOptions = true,
        description = "Remove variables kept for a sandbox (a name that is not set is an error).",
        footer = {"", "Example:", "  smolvm sandbox env unset demo DEBUG GREETING"})
final class SandboxEnvUnsetCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "NAME", description = "Variables to remove.")
    List<String> names;

    @Override
    int run() {
        Map<String, String> left = ctx().smolvm().sandboxEnv().unset(sandbox, names);
        return emit(SandboxEnvCommand.json(sandbox, left), () -> ctx().out.println("Unset " + String.join(", ", names)
                + " for sandbox '" + sandbox + "'"));
    }
}
