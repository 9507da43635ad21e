package dev.smolvm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.Smolvm;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAPI document the server serves: valid, complete, and identical to the copy the TypeScript client is built from. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiDocumentTest {
    private Path home;
    private Smolvm smolvm;
    private ApiServer server;
    private String served;

    @BeforeAll
    void serve() throws Exception {
        home = Files.createTempDirectory("smolvm-openapi-");
        smolvm = Smolvm.open(Map.of("SMOLVM_HOME", home.toString()));
        server = ApiServer.start(smolvm, "127.0.0.1", 0, null);
        served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/openapi.json")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @AfterAll
    void stop() {
        server.close();
        smolvm.close();
        dev.smolvm.image.Images.deleteTree(home);
    }

    @Test
    void aRealOpenApiParserAcceptsItWithoutMessages() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(served, null, options);
        assertThat(result.getMessages()).isEmpty();
        assertThat(result.getOpenAPI().getInfo().getTitle()).isEqualTo("SmolVM HTTP API");
        assertThat(result.getOpenAPI().getPaths()).containsKeys("/sandboxes", "/sandboxes/{id}", "/sandboxes/{id}/exec",
                "/sandboxes/{id}/exec/stream", "/sandboxes/{id}/ports", "/sandboxes/{id}/ports/{host_port}", "/health");
    }

    @Test
    void everyOperationHasAUniqueOperationId() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(served);
        Set<String> ids = new HashSet<>();
        doc.get("paths").forEach(path -> path.forEach(op -> {
            assertThat(op.hasNonNull("operationId")).as(op.toString()).isTrue();
            assertThat(ids.add(op.get("operationId").asText())).as("duplicate " + op.get("operationId")).isTrue();
        }));
        assertThat(ids).contains("createSandbox", "listSandboxes", "getSandbox", "execCommand", "deleteSandbox");
    }

    @Test
    void schemasCarryRequiredFieldsAndEnums() throws Exception {
        JsonNode schemas = new ObjectMapper().readTree(served).get("components").get("schemas");
        assertThat(schemas.get("ExecRequest").get("required")).extracting(JsonNode::asText).containsExactly("command");
        assertThat(schemas.get("CreatedSandbox").get("required")).extracting(JsonNode::asText).containsExactly("id", "status");
        assertThat(schemas.get("ExecResponse").get("required")).extracting(JsonNode::asText)
                .contains("exit_code", "stdout", "stderr", "duration_ms");
        assertThat(schemas.get("ErrorResponse").get("required")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("detail", "error");
        assertThat(schemas.get("ErrorResponse").get("properties").get("detail").get("type").asText()).isEqualTo("string");
        assertThat(schemas.get("SandboxInfo").get("required")).extracting(JsonNode::asText).contains("id", "status");
        assertThat(schemas.get("Shell").get("enum")).extracting(JsonNode::asText).containsExactly("login", "raw");
        assertThat(schemas.get("Os").get("enum")).extracting(JsonNode::asText).contains("alpine", "ubuntu", "windows");
        assertThat(schemas.get("Backend").get("enum")).extracting(JsonNode::asText)
                .containsExactly("firecracker", "qemu", "libkrun");
        assertThat(schemas.get("Status").get("enum")).extracting(JsonNode::asText).contains("running", "stopped");
        schemas.fields().forEachRemaining(e -> {
            JsonNode s = e.getValue();
            boolean isEnum = s.has("enum");
            boolean allOptionalRequest = e.getKey().equals("CreateSandboxRequest") || e.getKey().equals("NameBody")
                    || e.getKey().equals("ForkRequest") || e.getKey().equals("PruneRequest");
            assertThat(isEnum || allOptionalRequest || (s.has("required") && !s.get("required").isEmpty()))
                    .as("schema %s declares its required fields", e.getKey()).isTrue();
        });
    }

    @Test
    void theCommittedCopyForTheTypeScriptClientMatchesWhatIsServed() throws Exception {
        Path committed = Path.of("ts/openapi.json");
        assertThat(committed).exists();
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(Files.readString(committed)))
                .as("ts/openapi.json has drifted from the served document; refresh it with "
                        + "'./smolvm server openapi > ts/openapi.json', then 'cd ts && npm run generate'")
                .isEqualTo(json.readTree(served));
    }
}
