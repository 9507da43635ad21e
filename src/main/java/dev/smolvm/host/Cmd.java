package dev.smolvm.host;

import dev.smolvm.SmolvmException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One host program run to completion with its output captured, e.g.
 * {@code Cmd.of("ip", "link", "del", "smv3").run()}. Immutable; each {@code with…} returns a copy.
 */
public final class Cmd {
    private final List<String> argv;
    private final Duration timeout;
    private final byte[] stdin;

    private Cmd(List<String> argv, Duration timeout, byte[] stdin) {
        this.argv = List.copyOf(argv);
        this.timeout = timeout;
        this.stdin = stdin;
    }

    public static Cmd of(String... argv) {
        return new Cmd(List.of(argv), Duration.ofSeconds(60), null);
    }

    public static Cmd of(List<String> argv) {
        return new Cmd(argv, Duration.ofSeconds(60), null);
    }

    public Cmd withTimeout(Duration timeout) {
        return new Cmd(argv, timeout, stdin);
    }

    public Cmd withStdin(String input) {
        return new Cmd(argv, timeout, input.getBytes(StandardCharsets.UTF_8));
    }

    public List<String> argv() {
        return argv;
    }

    /** Runs the program; a missing binary is reported as exit code 127 like a shell would. */
    public Result run() {
        ProcessBuilder pb = new ProcessBuilder(argv);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(argv, 127, "", argv.get(0) + ": not found");
        }
        try {
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin);
                }
            }
            var out = drain(p.getInputStream());
            var err = drain(p.getErrorStream());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                return new Result(argv, 124, out.join(), "timed out after " + timeout.toSeconds() + " s");
            }
            return new Result(argv, p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw SmolvmException.internal("interrupted while running " + argv.get(0));
        }
    }

    /** Runs the program and throws an internal error naming it when it fails. */
    public Result check() {
        Result r = run();
        if (r.exitCode() != 0) {
            throw SmolvmException.internal(r.describeFailure());
        }
        return r;
    }

    private static java.util.concurrent.CompletableFuture<String> drain(InputStream in) {
        var future = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                var buf = new ByteArrayOutputStream();
                in.transferTo(buf);
                future.complete(buf.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                future.complete("");
            }
        });
        return future;
    }

    /** Whether a program is on the PATH. */
    public static boolean onPath(String program) {
        return which(program) != null;
    }

    public static Path which(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        List<String> dirs = new ArrayList<>(List.of(path.split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (java.nio.file.Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    public record Result(List<String> argv, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        public String describeFailure() {
            String detail = stderr.isBlank() ? stdout.strip() : stderr.strip();
            if (detail.length() > 400) {
                detail = detail.substring(detail.length() - 400);
            }
            return "'" + String.join(" ", argv.subList(0, Math.min(argv.size(), 4)))
                    + (argv.size() > 4 ? " …" : "") + "' failed (exit " + exitCode + "): " + detail;
        }
    }
}
