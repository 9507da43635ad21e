package dev.smolvm.e2e;

import dev.smolvm.cli.Main;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code smolvm server start} as a user runs it: its own process, its exact first lines, its exit codes. */
class ServerCommandE2ETest {
    private static final Pattern LISTENING = Pattern.compile("SmolVM HTTP API listening on http://127\\.0\\.0\\.1:(\\d+)");

    private static Process startServer(Cli cli, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "server", "start"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().clear();
        pb.environment().putAll(cli.env());
        return pb.start();
    }

    @Test
    void startPrintsExactlyTheTwoSpecLinesAndServes() throws Exception {
        try (Cli cli = Cli.withFreshHome()) {
            Process p = startServer(cli, "--port", "0");
            try {
                var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String first = out.readLine();
                String second = out.readLine();
                Matcher m = LISTENING.matcher(first);
                assertThat(m.matches()).as(first).isTrue();
                int port = Integer.parseInt(m.group(1));
                assertThat(second).isEqualTo("OpenAPI spec: http://127.0.0.1:" + port + "/openapi.json");
                var http = new Http("http://127.0.0.1:" + port, null);
                assertThat(http.get("/sandboxes").body()).isEqualTo("[]");
                assertThat(http.get("/openapi.json").json().get("openapi").asText()).startsWith("3.");
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aTakenPortIsAnErrorAndAnInvalidOneAUsageError() throws Exception {
        try (Cli cli = Cli.withFreshHome();
             ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = squatter.getLocalPort();
            var taken = cli.runProcess("server", "start", "--port", String.valueOf(port));
            assertThat(taken.code()).isEqualTo(1);
            assertThat(taken.err()).isEqualTo("smolvm: cannot listen on 127.0.0.1:" + port
                    + ": the port is already in use; pick another with --port.\n");
            var invalid = cli.runProcess("server", "start", "--port", "70000");
            assertThat(invalid.code()).isEqualTo(2);
            assertThat(invalid.err()).startsWith("smolvm: invalid --port 70000: use 0-65535\n");
            var notANumber = cli.runProcess("server", "start", "--port", "http");
            assertThat(notANumber.code()).isEqualTo(2);
        }
    }

    @Test
    void bindingAllAddressesWarnsLoudly() throws Exception {
        try (Cli cli = Cli.withFreshHome()) {
            Path err = Files.createTempFile("server-err", ".txt");
            List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "server", "start", "--host", "0.0.0.0", "--port", "0"));
            ProcessBuilder pb = new ProcessBuilder(argv).redirectError(err.toFile());
            pb.environment().clear();
            pb.environment().putAll(cli.env());
            Process p = pb.start();
            try {
                String first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
                assertThat(first).startsWith("SmolVM HTTP API listening on http://0.0.0.0:");
                assertThat(Files.readString(err)).startsWith("WARNING: listening on 0.0.0.0: anyone who can reach this "
                        + "machine on port 0 can create sandboxes and run commands on it, and no token is required.");
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
                Files.deleteIfExists(err);
            }
        }
    }
}
