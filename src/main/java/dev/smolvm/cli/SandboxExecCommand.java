package dev.smolvm.cli;

import dev.smolvm.guest.ShellMode;
import dev.smolvm.sandbox.ExecRequest;
import dev.smolvm.sandbox.ExecResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "exec",
        mixinStandardHelpOptions = true,
        description = {"Run a command in a running sandbox and exit with its exit code.",
                "Its stdout and stderr are passed through. With --json they are captured into the envelope."},
        footer = {"", "Examples:",
                "  smolvm sandbox exec demo -- uname -a",
                "  smolvm sandbox exec demo -- 'cd /tmp && ls | wc -l'",
                "  smolvm sandbox exec demo --shell raw -- printf '%s\\n' '$HOME'",
                "  echo hi | smolvm sandbox exec -i demo -- cat"})
final class SandboxExecCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command, after '--'.")
    List<String> command;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Kill the command after this many seconds (default: ${DEFAULT-VALUE}); exit code 124.")
    long timeout;

    @Option(names = "--shell", paramLabel = "MODE", defaultValue = "login",
            description = "login: run through the guest's login shell; raw: run the words as argv, no shell (default: ${DEFAULT-VALUE}).")
    String shell;

    @Option(names = {"-i", "--interactive"}, description = "Pass this command's stdin to the guest command.")
    boolean interactive;

    @Override
    int run() {
        ExecRequest req = new ExecRequest(command, ShellMode.parse(shell), timeout);
        var core = ctx().smolvm().sandboxes();
        if (json) {
            var out = new ByteArrayOutputStream();
            var err = new ByteArrayOutputStream();
            ExecResult r = core.exec(sandbox, req, interactive ? ctx().in : null, out, err);
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("sandbox", sandbox);
            data.put("exit_code", r.exitCode());
            data.put("timed_out", r.timedOut());
            data.put("stdout", out.toString(StandardCharsets.UTF_8));
            data.put("stderr", err.toString(StandardCharsets.UTF_8));
            return emit(r.exitCode(), data, () -> { });
        }
        ExecResult r = core.exec(sandbox, req, interactive ? ctx().in : null, ctx().out, ctx().err);
        if (r.timedOut()) {
            ctx().err.println("smolvm: the command timed out after " + timeout + " s in sandbox '" + sandbox
                    + "' and was killed; raise --timeout for longer commands.");
        }
        return r.exitCode();
    }

}
