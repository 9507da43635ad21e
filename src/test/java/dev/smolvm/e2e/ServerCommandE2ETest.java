package dev.smolvm.e2e;

import dev.smolvm.cli.Main;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code smolvm server start} as a user runs it: its own process, its exact first lines, its exit codes. */
@org.junit.jupiter.api.Tag("e2e")
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

    /** Bound to every address with no token given, the server makes one, says it once, and enforces it. */
    @Test
    void bindingAllAddressesWithoutATokenGeneratesAndEnforcesOne() throws Exception {
        try (Cli cli = Cli.withFreshHome()) {
            Process p = startServer(cli, "--host", "0.0.0.0", "--port", "0");
            try {
                var err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
                String said = err.readLine();
                Matcher m = Pattern.compile("smolvm: 0\\.0\\.0\\.0 is reachable from other machines, so the API requires "
                        + "a token; generated for this run: ([0-9a-f]{48})").matcher(said);
                assertThat(m.matches()).as(said).isTrue();
                String token = m.group(1);
                String first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
                Matcher port = Pattern.compile("SmolVM HTTP API listening on http://0\\.0\\.0\\.0:(\\d+)").matcher(first);
                assertThat(port.matches()).as(first).isTrue();
                String base = "http://127.0.0.1:" + port.group(1);
                assertThat(new Http(base, null).get("/sandboxes").status()).isEqualTo(401);
                assertThat(new Http(base, "wrong").get("/sandboxes").status()).isEqualTo(401);
                assertThat(new Http(base, token).get("/sandboxes").status()).isEqualTo(200);
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void noAuthIsTheExplicitWayOutAndSaysWhatItOpens() throws Exception {
        try (Cli cli = Cli.withFreshHome()) {
            Process p = startServer(cli, "--host", "0.0.0.0", "--port", "0", "--no-auth");
            try {
                String said = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8)).readLine();
                assertThat(said).isEqualTo("WARNING: listening on 0.0.0.0 with --no-auth: anyone who can reach this "
                        + "machine on port 0 can create sandboxes and run commands on it.");
                String first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
                String port = first.substring(first.lastIndexOf(':') + 1);
                assertThat(new Http("http://127.0.0.1:" + port, null).get("/sandboxes").status()).isEqualTo(200);
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            var both = cli.runProcess("server", "start", "--no-auth", "--token", "x");
            assertThat(both.code()).isEqualTo(2);
            assertThat(both.err()).startsWith("smolvm: --no-auth and a token (--token or SMOLVM_API_TOKEN) contradict");
            var origin = cli.runProcess("server", "start", "--allow-origin", "*");
            assertThat(origin.code()).isEqualTo(2);
            assertThat(origin.err()).startsWith("smolvm: invalid --allow-origin '*'");
        }
    }
}
