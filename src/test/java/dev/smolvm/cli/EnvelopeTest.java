package dev.smolvm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EnvelopeTest {
    private static final ObjectMapper M = new ObjectMapper();

    @Test
    void successMap() {
        Map<String, Object> data = Map.of("id", "vm-0a1b2c3d");
        Map<String, Object> env = Envelope.success("sandbox create", 0, data);
        assertThat(env).containsExactly(
                Map.entry("command", "sandbox create"),
                Map.entry("exit_code", 0),
                Map.entry("data", data));
    }

    @Test
    void failureMap() {
        Map<String, Object> env = Envelope.failure("sandbox info", 3, "not_found", "no sandbox 'x'.");
        assertThat(env.keySet()).containsExactly("command", "exit_code", "data", "error");
        assertThat(env.get("command")).isEqualTo("sandbox info");
        assertThat(env.get("exit_code")).isEqualTo(3);
        assertThat(env).containsEntry("data", null);
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) env.get("error");
        assertThat(error).containsExactly(Map.entry("code", "not_found"), Map.entry("message", "no sandbox 'x'."));
    }

    @Test
    void renderedSuccessParsesBack() throws Exception {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("name", "my-vm");
        data.put("ports", List.of(8080, 9000));
        String json = Envelope.render(Envelope.success("sandbox list", 0, data));

        JsonNode n = M.readTree(json);
        assertThat(n.isObject()).isTrue();
        assertThat(n.properties()).extracting(Map.Entry::getKey).containsExactly("command", "exit_code", "data");
        assertThat(n.get("command").isTextual()).isTrue();
        assertThat(n.get("command").asText()).isEqualTo("sandbox list");
        assertThat(n.get("exit_code").isInt()).isTrue();
        assertThat(n.get("exit_code").asInt()).isZero();
        assertThat(n.get("data").get("name").asText()).isEqualTo("my-vm");
        assertThat(n.get("data").get("ports").get(1).asInt()).isEqualTo(9000);
        assertThat(n.has("error")).isFalse();
    }

    @Test
    void renderedFailureParsesBack() throws Exception {
        String msg = "invalid sandbox name 'a b': use \"letters\"\nand digits";
        String json = Envelope.render(Envelope.failure("sandbox create", 2, "invalid_input", msg));

        JsonNode n = M.readTree(json);
        assertThat(n.properties()).extracting(Map.Entry::getKey)
                .containsExactly("command", "exit_code", "data", "error");
        assertThat(n.get("command").asText()).isEqualTo("sandbox create");
        assertThat(n.get("exit_code").asInt()).isEqualTo(2);
        assertThat(n.get("data").isNull()).isTrue();
        assertThat(n.get("error").get("code").asText()).isEqualTo("invalid_input");
        assertThat(n.get("error").get("message").asText()).isEqualTo(msg);
        assertThat(n.get("error").size()).isEqualTo(2);
    }
}
