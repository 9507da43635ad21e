package dev.smolvm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.Smolvm;
import dev.smolvm.cli.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /prune} on a real server over loopback, against a home with orphans made by hand. */
class PruneRouteTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path home;
    private Smolvm smolvm;
    private ApiServer server;
    private Path orphanForwards;
    private Path orphanDir;

    @BeforeEach
    void serve() throws Exception {
        home = Files.createTempDirectory("smolvm-prune-route-");
        orphanForwards = Files.writeString(Files.createDirectories(home.resolve("forwards")).resolve("ghost.json"),
                "{\"sandbox\": \"ghost\", \"forwards\": []}");
        orphanDir = Files.createDirectories(home.resolve("sandboxes").resolve("vm-0badf00d"));
        smolvm = Smolvm.open(Map.of("SMOLVM_HOME", home.toString()));
        server = ApiServer.start(smolvm, "127.0.0.1", 0, null);
    }

    @AfterEach
    void stop() {
        server.close();
        smolvm.close();
        dev.smolvm.image.Images.deleteTree(home);
    }

    private HttpResponse<String> post(String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/prune"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode cliData(String... args) throws Exception {
        var out = new ByteArrayOutputStream();
        int code = Main.run(args, Map.of("SMOLVM_HOME", home.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream()), new ByteArrayInputStream(new byte[0]));
        assertThat(code).isZero();
        return JSON.readTree(out.toString(StandardCharsets.UTF_8)).get("data");
    }

    @Test
    void aDryRunListsTheOrphansAsTheCliDoesAndRemovesNothing() throws Exception {
        var r = post("{\"dry_run\": true}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("dry_run").asBoolean()).isTrue();
        assertThat(body.has("removed")).isFalse();
        assertThat(body.get("would_remove").findValuesAsText("name"))
                .contains(orphanForwards.toString(), orphanDir.toString());
        assertThat(orphanForwards).exists();
        assertThat(orphanDir).exists();
        assertThat(body).isEqualTo(cliData("prune", "--dry-run", "--json"));
    }

    @Test
    void withoutABodyItPrunes() throws Exception {
        var r = post("");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("dry_run").asBoolean()).isFalse();
        assertThat(body.has("would_remove")).isFalse();
        assertThat(body.get("removed").findValuesAsText("kind")).contains("forwards", "directory");
        assertThat(body.get("notes")).isNotEmpty();
        assertThat(orphanForwards).doesNotExist();
        assertThat(orphanDir).doesNotExist();
        JsonNode again = JSON.readTree(post("{\"dry_run\": false}").body());
        assertThat(again.get("removed").findValuesAsText("name"))
                .doesNotContain(orphanForwards.toString(), orphanDir.toString());
    }

    @Test
    void aBadBodyIsA400NamingTheField() throws Exception {
        var r = post("{\"dry_run\": \"yes\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("detail").asText()).contains("dry_run");
        var unknown = post("{\"dryRun\": true}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unknown.body()).get("detail").asText()).isEqualTo("Unknown field 'dryRun'; known fields: dry_run.");
        assertThat(orphanForwards).exists();
    }
}
