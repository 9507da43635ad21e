package dev.smolvm.guest.agent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run: an argv run as is, or a script run by {@code /bin/sh -lc}; with an optional working
 * directory (absolute), environment entries on top of the agent's, a pty of a given size, and the
 * user to run as (Docker's USER: {@code name}, {@code uid}, {@code name:group}, …; null: root).
 */
public record ExecSpec(List<String> argv, String script, String cwd, Map<String, String> env, boolean pty, int rows,
                       int cols, String user) {
    public ExecSpec {
        if ((argv == null || argv.isEmpty()) == (script == null)) {
            throw new IllegalArgumentException("an exec needs either an argv or a script");
        }
        argv = argv == null ? List.of() : List.copyOf(argv);
        env = Map.copyOf(new LinkedHashMap<>(env));
        for (String name : env.keySet()) {
            if (name.isEmpty() || name.contains("=")) {
                throw new IllegalArgumentException("'" + name + "' is not a valid environment variable name");
            }
        }
    }

    public static ExecSpec argv(List<String> argv) {
        return new ExecSpec(argv, null, null, Map.of(), false, 0, 0, null);
    }

    public static ExecSpec argv(String... argv) {
        return argv(List.of(argv));
    }

    public static ExecSpec script(String script) {
        return new ExecSpec(null, Objects.requireNonNull(script), null, Map.of(), false, 0, 0, null);
    }

    public ExecSpec withCwd(String dir) {
        return new ExecSpec(argv.isEmpty() ? null : argv, script, dir, env, pty, rows, cols, user);
    }

    public ExecSpec withEnv(Map<String, String> vars) {
        return new ExecSpec(argv.isEmpty() ? null : argv, script, cwd, vars, pty, rows, cols, user);
    }

    public ExecSpec withPty(int rows, int cols) {
        return new ExecSpec(argv.isEmpty() ? null : argv, script, cwd, env, true, rows, cols, user);
    }

    /** Runs as {@code who} (null or blank: the agent's own user, root). */
    public ExecSpec withUser(String who) {
        return new ExecSpec(argv.isEmpty() ? null : argv, script, cwd, env, pty, rows, cols,
                who == null || who.isBlank() ? null : who);
    }

    byte[] payload(boolean stdin) {
        Fields.Builder b = Fields.builder();
        argv.forEach(a -> b.string(Wire.F_ARG, a));
        if (script != null) {
            b.string(Wire.F_SCRIPT, script);
        }
        if (cwd != null) {
            b.string(Wire.F_CWD, cwd);
        }
        if (user != null) {
            b.string(Wire.F_USER, user);
        }
        env.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> b.string(Wire.F_ENV, e.getKey() + "=" + e.getValue()));
        if (stdin) {
            b.u32(Wire.F_STDIN, 1);
        }
        if (pty) {
            b.u32(Wire.F_PTY, 1).u32(Wire.F_ROWS, rows).u32(Wire.F_COLS, cols);
        }
        return b.build();
    }
}
