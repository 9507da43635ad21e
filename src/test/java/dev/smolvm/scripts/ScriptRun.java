package dev.smolvm.scripts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One run of a shell script of this repository (bash), in {@code dir}, with what it printed. */
record ScriptRun(int code, String out, String err) {
    /** The repository root (Maven runs tests there). */
    static final Path REPO = Path.of(System.getProperty("user.dir"));

    static ScriptRun start(Path dir, Map<String, String> env, String... argv) {
        return of(process(dir, env, argv));
    }

    static Process process(Path dir, Map<String, String> env, String... argv) {
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of(argv)).directory(dir.toFile());
            pb.environment().putAll(env);
            pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ScriptRun of(Process p) {
        try {
            var out = p.getInputStream().readAllBytes();
            var err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("script did not finish in 120 s");
            }
            return new ScriptRun(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Writes an executable script. */
    static Path script(Path file, String... lines) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "#!/bin/bash\n" + String.join("\n", lines) + "\n");
            file.toFile().setExecutable(true);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a file of the repository into {@code dir}, keeping it executable. */
    static Path copy(String repoPath, Path dir) {
        try {
            Path to = dir.resolve(repoPath);
            Files.createDirectories(to.getParent());
            Files.copy(REPO.resolve(repoPath), to);
            to.toFile().setExecutable(true);
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
