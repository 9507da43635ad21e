package dev.smolvm.cli;

import dev.smolvm.sandbox.ExecRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;

@Command(name = "set",
        mixinStandardHelpOptions = true,
        description = {"Set (add or replace) variables kept for a sandbox; the others stay.",
                "Names are letters, digits and '_', not starting with a digit; a value may contain '='."},
        footer = {"", "Example:", "  smolvm sandbox env set demo DEBUG=1 GREETING='hello world'"})
final class SandboxEnvSetCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "NAME=VALUE", description = "Variables to set.")
    List<String> assignments;

    @Override
    int run() {
        Map<String, String> vars = ExecRequest.parseEnv(assignments);
        Map<String, String> all = ctx().smolvm().sandboxEnv().set(sandbox, vars);
        return emit(SandboxEnvCommand.json(sandbox, all), () -> ctx().out.println("Set " + String.join(", ",
                vars.keySet()) + " for sandbox '" + sandbox + "'"));
    }
}
