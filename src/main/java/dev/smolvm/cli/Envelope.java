package dev.smolvm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code --json} envelope: {@code {"command", "exit_code", "data"}}, plus {@code "error": {"code",
 * "message"}} on failure. Pure.
 */
public final class Envelope {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Envelope() {
    }

    /**
     * The {@code command} an envelope names, from picocli's qualified name: {@code smolvm sandbox create}
     * is {@code sandbox create}; {@code smolvm sandbox port list} is {@code port list}, the same command
     * as {@code smolvm port list} with the same output.
     */
    static String commandName(String qualifiedName) {
        return qualifiedName.replaceFirst("^smolvm ?", "").replaceFirst("^sandbox (port\\b)", "$1");
    }

    public static Map<String, Object> success(String command, int exitCode, Object data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", command);
        m.put("exit_code", exitCode);
        m.put("data", data);
        return m;
    }

    public static Map<String, Object> failure(String command, int exitCode, String code, String message) {
        Map<String, Object> m = success(command, exitCode, null);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        m.put("error", error);
        return m;
    }

    public static String render(Map<String, Object> envelope) {
        try {
            return JSON.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("envelope not serialisable", e);
        }
    }
}
