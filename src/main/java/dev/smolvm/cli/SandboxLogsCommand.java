package dev.smolvm.cli;

import dev.smolvm.sandbox.ConsoleLogs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "logs",
        mixinStandardHelpOptions = true,
        description = {"Print a sandbox's serial console log (boot messages, init output).",
                "It is the log QEMU writes in ~/.smolvm/sandboxes/<id>/console.log. For a sandbox whose boot",
                "failed it is the copy kept in ~/.smolvm/logs/<id>-console.log; a failed 'create' removes the",
                "sandbox, so name it by the id its error message gave."},
        footer = {"", "Examples:",
                "  smolvm sandbox logs web                 # the log so far",
                "  smolvm sandbox logs web --follow        # and what follows, until the VM stops (or Ctrl-C)",
                "  smolvm sandbox logs vm-a1b2c3d4         # a sandbox whose create failed",
                "  smolvm sandbox logs web --json          # {\"data\": {\"sandbox\", \"id\", \"path\", \"log\"}}"})
final class SandboxLogsCommand extends BaseCommand {
    private static final Duration POLL = Duration.ofMillis(200);

    @Parameters(paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Option(names = {"-f", "--follow"},
            description = "Keep printing the log as it grows, until the sandbox's VM is gone or Ctrl-C.")
    boolean follow;

    @Override
    int run() {
        if (follow && json) {
            throw new ParameterException(spec.commandLine(), "--follow cannot be used with --json: the envelope is "
                    + "printed once, with the log as it is; leave out one of them.");
        }
        ConsoleLogs logs = ctx().smolvm().consoleLogs();
        ConsoleLogs.Log log = logs.find(sandbox);
        if (follow) {
            logs.follow(log, ctx().out, POLL);
            return Main.EXIT_OK;
        }
        String text = logs.read(log);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("sandbox", log.sandbox());
        data.put("id", log.id());
        data.put("path", log.file().toString());
        data.put("log", text);
        return emit(data, () -> ctx().out.print(text));
    }
}
