package dev.smolvm.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

/**
 * Registry credentials from a Docker {@code config.json} ({@code auths.<registry>.auth}, base64
 * of {@code user:password}). Docker Hub is keyed by {@code https://index.docker.io/v1/} there.
 */
public final class DockerCredentials {
    private final JsonNode auths;

    private DockerCredentials(JsonNode auths) {
        this.auths = auths;
    }

    /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}; none is fine. */
    public static DockerCredentials load(java.util.Map<String, String> env) {
        String dir = env.get("DOCKER_CONFIG");
        Path file = dir != null ? Path.of(dir, "config.json")
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".docker", "config.json");
        try {
            return parse(Files.exists(file) ? Files.readString(file) : "{}");
        } catch (IOException e) {
            return parse("{}");
        }
    }

    public static DockerCredentials parse(String json) {
        try {
            return new DockerCredentials(new ObjectMapper().readTree(json).path("auths"));
        } catch (IOException e) {
            return new DockerCredentials(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
        }
    }

    /** The value of a Basic {@code Authorization} header for {@code registry}, if config.json has one. */
    public Optional<String> basicAuth(String registry) {
        for (String key : ImageRef.DOCKER_HUB.equals(registry)
                ? new String[] {"https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"}
                : new String[] {registry, "https://" + registry, "http://" + registry, "https://" + registry + "/v1/"}) {
            JsonNode entry = auths.path(key);
            String auth = entry.path("auth").asText("");
            if (auth.isEmpty() && entry.hasNonNull("username")) {
                auth = Base64.getEncoder().encodeToString((entry.path("username").asText() + ":"
                        + entry.path("password").asText()).getBytes(StandardCharsets.UTF_8));
            }
            if (!auth.isEmpty()) {
                return Optional.of("Basic " + auth);
            }
        }
        return Optional.empty();
    }
}
