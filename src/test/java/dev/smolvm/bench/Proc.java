package dev.smolvm.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Runs a command to completion and times it (wall clock, ms). */
final class Proc {
    private Proc() {
    }

    record Timed(double millis, int code, String out) {
    }

    static Timed run(List<String> argv, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            return new Timed((System.nanoTime() - t0) / 1e6, code, out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + argv + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static double timeOk(List<String> argv, Map<String, String> env) {
        Timed t = run(argv, env);
        if (t.code() != 0) {
            throw new IllegalStateException(argv + " exited " + t.code() + ": " + t.out());
        }
        return t.millis();
    }

    /** The repository's launcher, as a user runs it. */
    static String launcher() {
        return Path.of("smolvm").toAbsolutePath().toString();
    }
}
