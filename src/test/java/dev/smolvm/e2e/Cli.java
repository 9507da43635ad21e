package dev.smolvm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.cli.Main;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the real smolvm CLI against a throwaway home: in this JVM ({@link #run}) or as its own
 * process ({@link #runProcess}), which is what a user's shell does. Guest images are shared
 * between test homes ({@code SMOLVM_IMAGES}) so the suite builds the image once.
 */
public final class Cli implements AutoCloseable {
    /** Keyed by the image recipe, so a changed guest is rebuilt rather than a stale one reused. */
    static final Path SHARED_IMAGES = Path.of(System.getProperty("smolvm.test.images", "/var/tmp/smolvm-test-images"))
            .resolve(dev.smolvm.image.Images.recipe());
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path home;
    private final Map<String, String> env;

    private Cli(Path home, Map<String, String> extraEnv) {
        this.home = home;
        Map<String, String> e = new HashMap<>(System.getenv());
        e.put("SMOLVM_HOME", home.toString());
        e.put("SMOLVM_IMAGES", SHARED_IMAGES.toString());
        e.putAll(extraEnv);
        this.env = Map.copyOf(e);
    }

    /** A fresh home under /tmp (short paths: unix sockets live in it). */
    public static Cli withFreshHome() {
        return withFreshHome(Map.of());
    }

    public static Cli withFreshHome(Map<String, String> extraEnv) {
        try {
            return new Cli(Files.createTempDirectory(Path.of("/tmp"), "smolvm-e2e-"), extraEnv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The same home with more environment (e.g. a forced transport). Closing it does not delete the home. */
    public Cli withEnv(Map<String, String> extraEnv) {
        return new Cli(home, extraEnv);
    }

    public Path home() {
        return home;
    }

    public Map<String, String> env() {
        return env;
    }

    public Result run(String... args) {
        return runWithStdin(null, args);
    }

    public Result runWithStdin(String stdin, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream((stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8)));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs the CLI as a separate JVM process, exactly as the launcher does. */
    public Result runProcess(String... args) {
        List<String> argv = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", // as the launcher does (sqlite-jdbc loads a native library)
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        argv.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(argv);
            pb.environment().clear();
            pb.environment().putAll(env);
            pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            Path outFile = Files.createTempFile("smolvm-out", ".txt");
            Path errFile = Files.createTempFile("smolvm-err", ".txt");
            pb.redirectOutput(outFile.toFile()).redirectError(errFile.toFile());
            Process p = pb.start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("smolvm " + String.join(" ", args) + " did not finish in 300 s");
            }
            Result r = new Result(p.exitValue(), Files.readString(outFile), Files.readString(errFile));
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(errFile);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Deletes every sandbox of this home (killing them) and the home itself. */
    @Override
    public void close() {
        run("sandbox", "delete", "--all", "--force");
        try (Stream<Path> walk = Files.walk(home)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    public record Result(int code, String out, String err) {
        public JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out + "\nstderr: " + err, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
