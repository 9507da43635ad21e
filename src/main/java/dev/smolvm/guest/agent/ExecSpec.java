package dev.smolvm.guest.agent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run: an argv run as is, or a script run by {@code /bin/sh -lc}; with an optional working
 * directory (absolute), environment entries on top of the agent's, and a pty of a given size.
 */
public record ExecSpec(List<String> argv, String script, String cwd, Map<String, String> env, boolean pty, int rows,
                       int cols) {
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
        return new ExecSpec(argv, null, null, Map.of(), false, 0, 0);
    }

    public static ExecSpec argv(String... argv) {
        return argv(List.of(argv));
    }

    public static ExecSpec script(String script) {
        return new ExecSpec(null, Objects.requireNonNull(script), null, Map.of(), false, 0, 0);
    }

    public ExecSpec withCwd(String dir) {
        return new ExecSpec(argv.isEmpty() ? null : argv, script, dir, env, pty, rows, cols);
    }

    public ExecSpec withEnv(Map<String, String> vars) {
        return new ExecSpec(argv.isEmpty() ? null : argv, script, cwd, vars, pty, rows, cols);
    }

    public ExecSpec withPty(int rows, int cols) {
        return new ExecSpec(argv.isEmpty() ? null : argv, script, cwd, env, true, rows, cols);
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
