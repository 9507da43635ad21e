package dev.smolvm.image.oci;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an image's config says a command should run with: the exec defaults (environment,
 * working directory, user, entrypoint and command).
 */
public record ImageConfig(List<String> env, String workingDir, String user, List<String> entrypoint, List<String> cmd) {
    public static final ImageConfig NONE = new ImageConfig(List.of(), "/", "root", List.of(), List.of());

    /** From an OCI/Docker image config blob ({@code {"config": {"Env": […], …}}}); unset fields get defaults. */
    public static ImageConfig of(JsonNode configBlob) {
        JsonNode c = configBlob.path("config");
        String wd = c.path("WorkingDir").asText("");
        String user = c.path("User").asText("");
        return new ImageConfig(strings(c.path("Env")), wd.isEmpty() ? "/" : wd, user.isEmpty() ? "root" : user,
                strings(c.path("Entrypoint")), strings(c.path("Cmd")));
    }

    public static ImageConfig fromJson(JsonNode saved) {
        if (saved == null || saved.isMissingNode() || saved.isNull()) {
            return NONE;
        }
        return new ImageConfig(strings(saved.path("env")), saved.path("working_dir").asText("/"),
                saved.path("user").asText("root"), strings(saved.path("entrypoint")), strings(saved.path("cmd")));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    /** The environment as a map (a later duplicate wins, as in Docker). */
    public Map<String, String> envMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : env) {
            int eq = kv.indexOf('=');
            m.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        return m;
    }

    /** The default command: entrypoint followed by cmd (empty when the image names neither). */
    public List<String> defaultCommand() {
        List<String> all = new ArrayList<>(entrypoint);
        all.addAll(cmd);
        return List.copyOf(all);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("env", env);
        m.put("working_dir", workingDir);
        m.put("user", user);
        m.put("entrypoint", entrypoint);
        m.put("cmd", cmd);
        return m;
    }
}
