package dev.smolvm;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where smolvm keeps its state: {@code ~/.smolvm/} unless {@code SMOLVM_HOME} says otherwise.
 * Images may live elsewhere ({@code SMOLVM_IMAGES}) so a test home can share a built image.
 */
public record Home(Path root, Path images) {

    public static Home fromEnvironment(Map<String, String> env) {
        String home = env.get("SMOLVM_HOME");
        Path root = home != null && !home.isBlank()
                ? Path.of(home).toAbsolutePath()
                : Path.of(System.getProperty("user.home"), ".smolvm");
        String images = env.get("SMOLVM_IMAGES");
        return new Home(root, images != null && !images.isBlank()
                ? Path.of(images).toAbsolutePath() : root.resolve("images"));
    }

    public static Home at(Path root) {
        return new Home(root.toAbsolutePath(), root.toAbsolutePath().resolve("images"));
    }

    public Path database() {
        return root.resolve("smolvm.db");
    }

    public Path keys() {
        return root.resolve("keys");
    }

    public Path defaultSshKey() {
        return keys().resolve("id_ed25519");
    }

    public Path sandboxDir(String id) {
        return root.resolve("sandboxes").resolve(id);
    }

    public Path logs() {
        return root.resolve("logs");
    }

    /** The copy of a sandbox's console log kept when its boot failed (the sandbox itself may be gone). */
    public Path keptConsoleLog(String id) {
        return logs().resolve(id + "-console.log");
    }

    public Path forwards() {
        return root.resolve("forwards");
    }
}
