package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;
import dev.smolvm.guest.ShellMode;
import dev.smolvm.guest.ShellWords;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A command to run in a sandbox, as an immutable value. The command is either an argv (the CLI's
 * words after {@code --}, kept word for word) or a script (the HTTP API's {@code command} string).
 * In {@link ShellMode#LOGIN} it runs through the guest's login shell: an argv is quoted word by
 * word first (like Python's {@code shlex.join}), so {@code sh -c 'a; b'} stays one {@code sh}
 * call. In {@link ShellMode#RAW} it is exec'd with no shell: a script is split into words first.
 *
 * <pre>{@code
 * ExecRequest.argv("sh", "-c", "echo $HOME").withCwd("/tmp").withEnv(Map.of("A", "1")).withTimeout(60)
 * }</pre>
 */
public record ExecRequest(List<String> argv, String script, ShellMode shell, long timeoutSeconds, String cwd,
                          Map<String, String> env) {
    public static final long DEFAULT_TIMEOUT_SECONDS = 30;
    public static final long MAX_TIMEOUT_SECONDS = 24 * 3600;
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public ExecRequest {
        if ((argv == null) == (script == null)) {
            throw new IllegalArgumentException("exactly one of argv and script");
        }
        if (argv != null ? argv.isEmpty() || argv.stream().allMatch(String::isBlank) : script.isBlank()) {
            throw SmolvmException.invalid("no command given: say what to run, e.g. 'uname -a'.");
        }
        if (shell == null) {
            throw SmolvmException.invalid("no shell mode given: use 'login' or 'raw'.");
        }
        if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
            throw SmolvmException.invalid("timeout must be between 1 and " + MAX_TIMEOUT_SECONDS
                    + " seconds, got " + timeoutSeconds + ".");
        }
        if (cwd != null && (!cwd.startsWith("/") || cwd.indexOf('\0') >= 0)) {
            throw SmolvmException.invalid("the working directory must be an absolute guest path like /root, not '"
                    + cwd + "'.");
        }
        env = env == null ? Map.of() : checkedEnv(env);
        argv = argv == null ? null : List.copyOf(argv);
        if (argv != null && argv.stream().anyMatch(w -> w.indexOf('\0') >= 0)) {
            throw SmolvmException.invalid("a command word contains a NUL byte, which no program can receive.");
        }
    }

    /** Runs {@code words} as given: each word reaches the guest program unchanged. */
    public static ExecRequest argv(List<String> words) {
        return new ExecRequest(words == null ? List.of() : words, null, ShellMode.LOGIN, DEFAULT_TIMEOUT_SECONDS,
                null, Map.of());
    }

    public static ExecRequest argv(String... words) {
        return argv(List.of(words));
    }

    /** Runs {@code script} through the guest's login shell (pipes, variables, {@code &&}). */
    public static ExecRequest script(String script) {
        return new ExecRequest(null, script == null ? "" : script, ShellMode.LOGIN, DEFAULT_TIMEOUT_SECONDS, null,
                Map.of());
    }

    public ExecRequest withShell(ShellMode shell) {
        return new ExecRequest(argv, script, shell, timeoutSeconds, cwd, env);
    }

    public ExecRequest withTimeout(long seconds) {
        return new ExecRequest(argv, script, shell, seconds, cwd, env);
    }

    /** Runs in {@code dir} (an absolute guest path) instead of the user's home; null keeps the home. */
    public ExecRequest withCwd(String dir) {
        return new ExecRequest(argv, script, shell, timeoutSeconds, dir, env);
    }

    /** Sets these variables for the command, after the login files (so they win). */
    public ExecRequest withEnv(Map<String, String> vars) {
        return new ExecRequest(argv, script, shell, timeoutSeconds, cwd, vars);
    }

    /** The script the login shell runs: the script as given, or the argv quoted word by word. */
    public String loginScript() {
        return script != null ? script : ShellWords.quoteAll(argv);
    }

    /** The argv raw mode execs: the argv as given, or the script split into words. */
    public List<String> rawArgv() {
        return argv != null ? argv : ShellWords.split(script);
    }

    /** Parses {@code K=V} words (the CLI's repeatable {@code --env}); the value may contain '='. */
    public static Map<String, String> parseEnv(List<String> assignments) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String a : assignments == null ? List.<String>of() : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw SmolvmException.invalid("environment variable '" + a + "' must be NAME=VALUE, e.g. DEBUG=1.");
            }
            vars.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return checkedEnv(vars);
    }

    /** Checks names (letters, digits, '_', not starting with a digit) and values (no NUL). */
    static Map<String, String> checkedEnv(Map<String, String> env) {
        Map<String, String> copy = new LinkedHashMap<>();
        for (var e : env.entrySet()) {
            String name = e.getKey();
            if (name == null || !ENV_NAME.matcher(name).matches()) {
                throw SmolvmException.invalid("'" + name + "' is not a valid environment variable name: use letters, "
                        + "digits and '_', not starting with a digit.");
            }
            String value = e.getValue() == null ? "" : e.getValue();
            if (value.indexOf('\0') >= 0) {
                throw SmolvmException.invalid("the value of " + name + " contains a NUL byte, which the environment "
                        + "cannot hold.");
            }
            copy.put(name, value);
        }
        return java.util.Collections.unmodifiableMap(copy);
    }
}
