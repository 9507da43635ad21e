package dev.smolvm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smolvm.Smolvm;
import dev.smolvm.server.ApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP API against the real server with real guests: one sandbox made over HTTP ("h"), one
 * made with the CLI ("c"), sharing one home so both doors see both.
 */
@org.junit.jupiter.api.Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiServerE2ETest {
    private Cli cli;
    private Smolvm smolvm;
    private ApiServer server;
    private Http http;
    private String id;

    @BeforeAll
    void start() {
        cli = Cli.withFreshHome();
        smolvm = Smolvm.open(cli.env());
        server = ApiServer.start(smolvm, "127.0.0.1", 0, null);
        http = new Http("http://127.0.0.1:" + server.port(), null);
    }

    @AfterAll
    void stop() {
        server.close();
        smolvm.close();
        cli.close();
    }

    @Test
    @Order(1)
    void healthAnswers() {
        var r = http.get("/health");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
    }

    @Test
    @Order(2)
    void createReturns201WithIdAndStatusAndTheCliSeesIt() {
        var r = http.post("/sandboxes", "{\"memory\":512,\"disk_size\":2048,\"name\":\"h\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        JsonNode body = r.json();
        assertThat(body.size()).isEqualTo(2);
        id = body.get("id").asText();
        assertThat(id).matches("vm-[0-9a-f]{8}");
        assertThat(body.get("status").asText()).isEqualTo("running");
        var list = cli.run("sandbox", "list", "--json").json().get("data");
        assertThat(list).anySatisfy(s -> assertThat(s.get("id").asText()).isEqualTo(id));
    }

    @Test
    @Order(3)
    void aSandboxMadeWithTheCliIsListedOverHttp() {
        assertThat(cli.run("sandbox", "create", "--name", "c", "--disk-size", "1536", "--cpus", "2").code()).isZero();
        var list = http.get("/sandboxes");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json()).extracting(s -> s.get("name").asText()).contains("h", "c");
        var one = http.get("/sandboxes/c");
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("status").asText()).isEqualTo("running");
        assertThat(one.json().get("network").get("mode").asText()).isEqualTo("tap");
        assertThat(http.get("/sandboxes/" + id).json().get("name").asText()).isEqualTo("h");
        // The disk is a device of exactly the size asked for: the guest cannot write past its end.
        var disk = http.post("/sandboxes/c/exec", "{\"command\":\"echo $(( $(cat /sys/block/vda/size) * 512 / 1048576 )) $(nproc)\"}");
        assertThat(disk.json().get("stdout").asText()).isEqualTo("1536 2\n");
        assertThat(one.json().get("disk_size").asInt()).isEqualTo(1536);
    }

    @Test
    @Order(4)
    void execReturns200EvenForANonZeroExit() {
        var ok = http.post("/sandboxes/" + id + "/exec", "{\"command\":\"python3 --version\",\"timeout\":30,\"shell\":\"login\"}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("exit_code").asInt()).isZero();
        assertThat(ok.json().get("stdout").asText()).startsWith("Python 3.");
        var fail = http.post("/sandboxes/" + id + "/exec", "{\"command\":\"echo out; echo err >&2; exit 3\"}");
        assertThat(fail.status()).isEqualTo(200);
        assertThat(fail.json().get("exit_code").asInt()).isEqualTo(3);
        assertThat(fail.json().get("stdout").asText()).isEqualTo("out\n");
        assertThat(fail.json().get("stderr").asText()).isEqualTo("err\n");
        var raw = http.post("/sandboxes/" + id + "/exec", "{\"command\":\"printf %s '$HOME'\",\"shell\":\"raw\"}");
        assertThat(raw.json().get("stdout").asText()).isEqualTo("$HOME");
        var flood = http.post("/sandboxes/" + id + "/exec", "{\"command\":\"head -c 9437184 /dev/zero | tr '\\\\0' a; echo done >&2\"}");
        assertThat(flood.json().get("stdout").asText()).hasSize(8 << 20).matches("a+");
        assertThat(flood.json().get("stderr").asText()).isEqualTo("done\n");
        assertThat(flood.json().get("truncated").asBoolean()).as("9 MiB of stdout passes the 8 MiB cap").isTrue();
        assertThat(ok.json().get("truncated").asBoolean()).isFalse();
        var slow = http.post("/sandboxes/" + id + "/exec", "{\"command\":\"sleep 20\",\"timeout\":1}");
        assertThat(slow.status()).isEqualTo(200);
        assertThat(slow.json().get("exit_code").asInt()).isEqualTo(124);
        assertThat(slow.json().get("timed_out").asBoolean()).isTrue();
    }

    /** Ten commands at once on one sandbox share its one agent channel, each with its own output. */
    @Test
    @Order(4)
    void tenConcurrentExecsOnOneSandbox() throws Exception {
        List<CompletableFuture<Http.Response>> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String body = "{\"command\":\"sleep 1; echo out-" + i + "; echo err-" + i + " >&2; exit " + i + "\"}";
            runs.add(CompletableFuture.supplyAsync(() -> http.post("/sandboxes/" + id + "/exec", body)));
        }
        for (int i = 0; i < 10; i++) {
            JsonNode r = runs.get(i).get(120, java.util.concurrent.TimeUnit.SECONDS).json();
            assertThat(r.get("exit_code").asInt()).isEqualTo(i);
            assertThat(r.get("stdout").asText()).isEqualTo("out-" + i + "\n");
            assertThat(r.get("stderr").asText()).isEqualTo("err-" + i + "\n");
        }
        var killed = http.post("/sandboxes/" + id + "/exec", "{\"command\":\"kill -9 $$\"}");
        assertThat(killed.json().get("exit_code").asInt()).as("a signal is reported as 128 + its number").isEqualTo(137);
    }

    @Test
    @Order(4)
    void execTakesCwdAndEnvAndReportsItsDuration() {
        var r = http.post("/sandboxes/" + id + "/exec",
                "{\"command\":\"echo \\\"$PWD|$A|$B\\\"\",\"cwd\":\"/tmp\",\"env\":{\"A\":\"x y\",\"B\":\"$1;\"}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("stdout").asText()).isEqualTo("/tmp|x y|$1;\n");
        assertThat(r.json().get("duration_ms").asLong()).isPositive();
        var bad = http.post("/sandboxes/" + id + "/exec", "{\"command\":\"true\",\"env\":{\"NOT-A-NAME\":\"1\"}}");
        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.errorMessage()).startsWith("'NOT-A-NAME' is not a valid environment variable name");
    }

    @Test
    @Order(5)
    void execStreamSendsStdoutStderrThenExit() {
        var r = http.post("/sandboxes/" + id + "/exec/stream",
                "{\"command\":\"echo one; sleep 0.2; echo two; echo bad >&2; exit 4\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("content-type").get(0)).startsWith("text/event-stream");
        String body = r.body();
        assertThat(body).contains("event: stdout\ndata: \"one\\n\"\n\n", "event: stdout\ndata: \"two\\n\"\n\n",
                "event: stderr\ndata: \"bad\\n\"\n\n");
        assertThat(body.indexOf("\"one\\n\"")).isLessThan(body.indexOf("\"two\\n\""));
        assertThat(body).endsWith("\n\n").contains("event: exit\ndata: ");
        String exit = body.substring(body.indexOf("event: exit"));
        assertThat(exit).contains("\"exit_code\":4", "\"timed_out\":false");
    }

    @Test
    @Order(6)
    void badBodiesAre400Or422WithAMessageNamingTheField() {
        record Case(String path, String body, int status, String message) {
        }
        for (Case c : List.of(
                new Case("/sandboxes", "{bad", 400, "The request body is not valid JSON"),
                new Case("/sandboxes", "[1,2]", 400, "The request body must be a JSON object"),
                new Case("/sandboxes", "{\"memroy\":512}", 400, "Unknown field 'memroy'"),
                new Case("/sandboxes", "{\"memory\":\"lots\"}", 400, "Field 'memory' must be an integer"),
                new Case("/sandboxes", "{\"os\":\"plan9\"}", 400, "Field 'os' must be one of alpine, ubuntu, windows, debian"),
                new Case("/sandboxes", "{\"memory\":16}", 422, "Memory must be between 128 and 262144 MiB, got 16."),
                new Case("/sandboxes", "{\"name\":\"bad name\"}", 422, "Invalid sandbox name 'bad name'"),
                new Case("/sandboxes/" + id + "/exec", "{}", 400, "Field 'command' is required."),
                new Case("/sandboxes/" + id + "/exec", "", 400, "The request body is empty"),
                new Case("/sandboxes/" + id + "/exec", "{\"command\":\"true\",\"shell\":\"bash\"}", 400,
                        "Field 'shell' must be one of login, raw"),
                new Case("/sandboxes/" + id + "/exec", "{\"command\":\"true\",\"timeout\":0}", 422,
                        "Timeout must be between 1 and"),
                new Case("/sandboxes/" + id + "/exec", "{\"command\":\"\"}", 422, "No command given"))) {
            var r = http.post(c.path(), c.body());
            assertThat(r.status()).as(c.body() + " -> " + r.body()).isEqualTo(c.status());
            assertThat(r.errorMessage()).as(c.body()).contains(c.message());
            assertThat(r.errorCode()).isEqualTo("invalid_input");
        }
        var big = http.post("/sandboxes", "{\"name\":\"" + "x".repeat(100_000) + "\"}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.json().get("error").get("code").asText()).isEqualTo("too_large");
        var ubuntu = http.post("/sandboxes", "{\"os\":\"ubuntu\"}");
        assertThat(ubuntu.status()).isEqualTo(503);
        assertThat(ubuntu.errorCode()).isEqualTo("unavailable");
        assertThat(big.errorMessage()).isEqualTo("The request body is larger than 64 KiB.");
        assertThat(http.get("/sandboxes").json()).hasSize(2);
    }

    /**
     * The original's clients read only 'detail' (FastAPI's shape) and print it after their own
     * prefix: each error must give them one sentence, never raw JSON or a CLI command.
     */
    @Test
    @Order(6)
    void aClientReadingOnlyDetailGetsOneSentence() {
        for (var r : List.of(http.get("/sandboxes/nope"), http.post("/sandboxes", "{\"memory\": tons}"),
                http.post("/sandboxes", "{\"os\":\"ubuntu\"}"), http.post("/sandboxes/nope/exec", "{\"command\":\"true\"}"))) {
            String detail = r.json().get("detail").asText();
            assertThat(detail).as(r.body()).matches("[A-Z][^\n{}]*\\.").doesNotContain("smolvm sandbox");
        }
    }

    @Test
    @Order(7)
    void unknownSandboxesAndRoutesAre404WithJson() {
        for (var r : List.of(http.get("/sandboxes/ghost"), http.post("/sandboxes/ghost/exec", "{\"command\":\"true\"}"),
                http.delete("/sandboxes/ghost"), http.get("/sandboxes/ghost/ports"))) {
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.errorCode()).isEqualTo("not_found");
            assertThat(r.errorMessage()).isEqualTo("No sandbox named 'ghost'; GET /sandboxes lists them.");
        }
        var route = http.get("/nowhere");
        assertThat(route.status()).isEqualTo(404);
        assertThat(route.errorCode()).isEqualTo("not_found");
    }

    @Test
    @Order(8)
    void listStaysPromptWhileLongExecsRunInSeveralSandboxes() throws Exception {
        var a = CompletableFuture.supplyAsync(() -> http.post("/sandboxes/h/exec", "{\"command\":\"sleep 6; echo a\"}"));
        var b = CompletableFuture.supplyAsync(() -> http.post("/sandboxes/c/exec", "{\"command\":\"sleep 6; echo b\"}"));
        Thread.sleep(1500); // both commands are now running in their guests
        for (int i = 0; i < 5; i++) {
            var list = http.get("/sandboxes");
            assertThat(list.status()).isEqualTo(200);
            assertThat(list.json()).hasSize(2);
        }
        assertThat(a.isDone() || b.isDone()).as("GET /sandboxes answered while both execs were still running").isFalse();
        assertThat(a.get().json().get("stdout").asText()).isEqualTo("a\n");
        assertThat(b.get().json().get("stdout").asText()).isEqualTo("b\n");
    }

    @Test
    @Order(9)
    void portsCanBeForwardedOverHttp() throws Exception {
        var r = http.post("/sandboxes/" + id + "/ports", "{\"guest_port\":22}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        int hostPort = r.json().get("host_port").asInt();
        assertThat(r.json().get("mapping").asText()).isEqualTo(hostPort + ":22");
        assertThat(banner(hostPort)).startsWith("SSH-2.0-");
        var list = http.get("/sandboxes/" + id + "/ports");
        assertThat(list.json().get("forwards")).hasSize(1);
        assertThat(cli.run("port", "list", "h", "--json").json().get("data").get("forwards")).hasSize(1);
        var missing = http.post("/sandboxes/" + id + "/ports", "{\"host_port\":22}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.errorMessage()).isEqualTo("Field 'guest_port' is required.");
        var taken = http.post("/sandboxes/" + id + "/ports", "{\"host_port\":" + hostPort + ",\"guest_port\":22}");
        assertThat(taken.status()).isEqualTo(409);
        var close = http.delete("/sandboxes/" + id + "/ports/" + hostPort);
        assertThat(close.status()).isEqualTo(204);
        assertThat(banner(hostPort)).isNull();
        assertThat(http.delete("/sandboxes/" + id + "/ports/" + hostPort).status()).isEqualTo(404);
    }

    private static String banner(int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64];
            int n = in.read(buf);
            return n <= 0 ? null : new String(buf, 0, n, StandardCharsets.US_ASCII);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    @Test
    @Order(10)
    void execOnAStoppedSandboxIs409() {
        assertThat(cli.run("sandbox", "stop", "c").code()).isZero();
        var r = http.post("/sandboxes/c/exec", "{\"command\":\"true\"}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.errorCode()).isEqualTo("not_running");
        assertThat(r.errorMessage()).startsWith("Sandbox 'c' is not running (status: stopped); POST /sandboxes/vm-")
                .endsWith("/start starts it.");
        assertThat(http.get("/sandboxes/c").json().get("status").asText()).isEqualTo("stopped");
        var started = http.post("/sandboxes/c/start", null);
        assertThat(started.status()).as(started.body()).isEqualTo(200);
        assertThat(started.json().get("status").asText()).isEqualTo("running");
        assertThat(http.post("/sandboxes/c/exec", "{\"command\":\"echo up\"}").json().get("stdout").asText())
                .isEqualTo("up\n");
        var stopped = http.post("/sandboxes/c/stop", null);
        assertThat(stopped.status()).isEqualTo(200);
        assertThat(stopped.json().get("status").asText()).isEqualTo("stopped");
    }

    @Test
    @Order(11)
    void deleteIs204AndTheSandboxIsGoneForBothDoors() {
        assertThat(http.delete("/sandboxes/c").status()).isEqualTo(204);
        var del = http.delete("/sandboxes/" + id);
        assertThat(del.status()).isEqualTo(204);
        assertThat(del.body()).isEmpty();
        assertThat(http.get("/sandboxes/" + id).status()).isEqualTo(404);
        assertThat(http.get("/sandboxes").json()).isEmpty();
        assertThat(cli.run("sandbox", "list", "--all", "--json").json().get("data")).isEmpty();
    }

    @Test
    @Order(12)
    void aTokenIsRequiredOnEveryRouteButHealth() {
        try (ApiServer guarded = ApiServer.start(smolvm, "127.0.0.1", 0, "s3cret-token")) {
            String base = "http://127.0.0.1:" + guarded.port();
            var anonymous = new Http(base, null);
            for (var r : List.of(anonymous.get("/sandboxes"), anonymous.get("/openapi.json"),
                    anonymous.post("/sandboxes", "{}"), new Http(base, "wrong").get("/sandboxes"),
                    anonymous.send("GET", "/sandboxes", null, Map.of("Authorization", "s3cret-token")))) {
                assertThat(r.status()).isEqualTo(401);
                assertThat(r.errorCode()).isEqualTo("unauthorized");
            }
            assertThat(anonymous.get("/health").status()).isEqualTo(200);
            assertThat(new Http(base, "s3cret-token").get("/sandboxes").status()).isEqualTo(200);
        }
    }

    @Test
    @Order(13)
    void noCorsHeadersAreSentAndWebPagesAreRefused() {
        var r = http.send("GET", "/sandboxes", null, Map.of("Origin", "http://evil.example"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.errorCode()).isEqualTo("forbidden_origin");
        assertThat(r.headers().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
        var preflight = http.send("OPTIONS", "/sandboxes", null,
                Map.of("Origin", "http://evil.example", "Access-Control-Request-Method", "POST"));
        assertThat(preflight.status()).isEqualTo(403);
        assertThat(preflight.headers().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
    }

    /** The attacks a web page can make on a local API, sent byte for byte as a browser would. */
    @Test
    @Order(14)
    void dnsRebindingAndCrossSiteFormPostsAreRefused() {
        int port = server.port();
        var rebound = Http.raw(port, "GET /sandboxes HTTP/1.1\r\nHost: evil.example:" + port
                + "\r\nConnection: close\r\n\r\n");
        assertThat(rebound.status()).isEqualTo(421);
        assertThat(rebound.errorCode()).isEqualTo("misdirected_host");
        assertThat(rebound.errorMessage()).startsWith("This server does not answer to the host name 'evil.example:");
        assertThat(rebound.body()).doesNotContain("vm-");
        String script = "{\"command\":\"touch /tmp/pwned\"}";
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded")) {
            var form = Http.raw(port, "POST /sandboxes HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: " + type
                    + "\r\nContent-Length: " + script.length() + "\r\nConnection: close\r\n\r\n" + script);
            assertThat(form.status()).as(type).isEqualTo(415);
            assertThat(form.errorCode()).isEqualTo("unsupported_media_type");
        }
        assertThat(http.get("/sandboxes").json()).as("nothing was created").isEmpty();
        var loopbackName = Http.raw(port, "GET /health HTTP/1.1\r\nHost: localhost:" + port
                + "\r\nConnection: close\r\n\r\n");
        assertThat(loopbackName.status()).isEqualTo(200);
    }

    @Test
    @Order(15)
    void anAllowedOriginGetsCorsAndAPreflight() {
        var options = new ApiServer.Options("127.0.0.1", 0, null, java.util.Set.of("http://localhost:5173"));
        try (ApiServer open = ApiServer.start(smolvm, options)) {
            var page = new Http("http://127.0.0.1:" + open.port(), null);
            var preflight = page.send("OPTIONS", "/sandboxes", null,
                    Map.of("Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST"));
            assertThat(preflight.status()).isEqualTo(204);
            assertThat(preflight.headers().get("access-control-allow-origin")).containsExactly("http://localhost:5173");
            var list = page.send("GET", "/sandboxes", null, Map.of("Origin", "http://localhost:5173"));
            assertThat(list.status()).isEqualTo(200);
            assertThat(list.headers().get("access-control-allow-origin")).containsExactly("http://localhost:5173");
            var other = page.send("GET", "/sandboxes", null, Map.of("Origin", "http://localhost:5174"));
            assertThat(other.status()).isEqualTo(403);
        }
    }
}
