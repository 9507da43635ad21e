package dev.smolvm.cli;

import dev.smolvm.guest.ShellMode;
import dev.smolvm.host.Progress;
import dev.smolvm.sandbox.CapturedExec;
import dev.smolvm.sandbox.ExecRequest;
import dev.smolvm.sandbox.ExecResult;
import dev.smolvm.sandbox.ExecSignals;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "exec",
        mixinStandardHelpOptions = true,
        description = {"Run a command in a running sandbox and exit with its exit code.",
                "The words after '--' reach the guest program exactly as given (as with 'docker exec'): "
                        + "they are quoted one by one and run by the guest's login shell. For pipes, '&&' "
                        + "or variables, pass a script to a shell: -- sh -c '...'.",
                "Its stdout and stderr are passed through. With --json they are captured into the envelope, up to 8 MiB "
                        + "each (data.truncated says when more was dropped)."},
        footer = {"", "Examples:",
                "  smolvm sandbox exec demo -- uname -a",
                "  smolvm sandbox exec demo -- sh -c 'cd /tmp && ls | wc -l'",
                "  smolvm sandbox exec demo --cwd /tmp --env GREETING=hi -- sh -c 'echo $GREETING from $PWD'",
                "  smolvm sandbox exec demo --shell raw -- printf '%s\\n' '$HOME'",
                "  smolvm sandbox exec demo --start -- python3 --version",
                "  smolvm sandbox exec demo --resume -- date",
                "  echo hi | smolvm sandbox exec -i demo -- cat"})
final class SandboxExecCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments, after '--'.")
    List<String> command;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Kill the command after this many seconds (default: ${DEFAULT-VALUE}); exit code 124.")
    long timeout;

    @Option(names = "--shell", paramLabel = "MODE", defaultValue = "login",
            description = "login: run through the guest's login shell (profile read); raw: exec the words with no "
                    + "shell at all (default: ${DEFAULT-VALUE}).")
    ShellMode shell;

    @Option(names = {"-w", "--cwd"}, paramLabel = "DIR",
            description = "Run in this absolute guest directory instead of the user's home.")
    String cwd;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE",
            description = "Set an environment variable for the command (repeatable); it wins over the profile.")
    List<String> env = new ArrayList<>();

    @Option(names = "--start", description = "Start the sandbox first if it is stopped.")
    boolean start;

    @Option(names = "--resume", description = "Resume the sandbox first if it is paused.")
    boolean resume;

    @Option(names = {"-i", "--interactive"}, description = "Pass this command's stdin to the guest command.")
    boolean interactive;

    @Override
    int run() {
        ExecRequest req = ExecRequest.argv(command).withShell(shell).withTimeout(timeout)
                .withCwd(cwd).withEnv(ExecRequest.parseEnv(env));
        var core = ctx().smolvm().sandboxes();
        if (start) {
            core.start(sandbox, null, json ? Progress.SILENT : ctx().progress());
        }
        if (resume) {
            ctx().smolvm().pauses().resume(sandbox);
        }
        if (json) {
            CapturedExec c = core.execCaptured(sandbox, req, interactive ? ctx().in : null);
            ExecResult r = c.result();
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("sandbox", sandbox);
            data.put("exit_code", r.exitCode());
            data.put("timed_out", r.timedOut());
            data.put("duration_ms", r.durationMs());
            data.put("stdout", c.stdout());
            data.put("stderr", c.stderr());
            data.put("truncated", c.truncated());
            return emit(r.exitCode(), data, () -> { });
        }
        ExecSignals signals = new ExecSignals();
        forwardCtrlC(signals);
        ExecResult r = core.exec(sandbox, req, interactive ? ctx().in : null, ctx().out, ctx().err, signals);
        if (r.timedOut()) {
            ctx().err.println("smolvm: the command timed out after " + timeout + " s in sandbox '" + sandbox
                    + "' and was killed; raise --timeout for longer commands.");
        }
        return r.exitCode();
    }

    /**
     * Ctrl-C (SIGINT) is passed on to the command's process group in the guest, as a terminal would;
     * a second one kills the group, for a command that ignores the first.
     */
    private static void forwardCtrlC(ExecSignals signals) {
        int[] count = {0};
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> {
                if (!signals.send(count[0]++ == 0 ? ExecSignals.SIGINT : ExecSignals.SIGKILL)) {
                    System.exit(130); // nothing runs yet: stop as an interrupted program does
                }
            });
        } catch (IllegalArgumentException unsupported) {
            // no SIGINT handling here: Ctrl-C ends this process as usual
        }
    }
}
