package dev.smolvm.sandbox;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.ShellWords;
import dev.smolvm.host.FileModes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sandbox's kept environment variables ({@code smolvm sandbox env}), stored as {@code env.json}
 * (0600, replaced atomically) in the sandbox's directory, so they live as long as the sandbox, across
 * stops and starts. Also renders the guest's {@code /etc/profile.d/smolvm-env.sh}.
 */
public final class SandboxEnvFile {
    static final String FILE = "env.json";
    /** Where login shells in the guest (ssh sessions, login-shell execs) read the variables. */
    static final String GUEST_PROFILE = "/etc/profile.d/smolvm-env.sh";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private SandboxEnvFile() {
    }

    /** The variables kept for the sandbox whose directory is {@code sandboxDir}, by name; empty if none. */
    public static Map<String, String> read(Path sandboxDir) {
        Path file = sandboxDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            Map<String, String> vars = JSON.readValue(file.toFile(), new TypeReference<TreeMap<String, String>>() { });
            return Collections.unmodifiableMap(new TreeMap<>(ExecRequest.checkedEnv(vars)));
        } catch (IOException | SmolvmException e) {
            throw SmolvmException.internal("the sandbox environment file " + file + " is unreadable (" + e.getMessage()
                    + "); fix or delete it");
        }
    }

    /** Replaces the kept variables atomically (a temporary file renamed over the old one), 0600. */
    static void write(Path sandboxDir, Map<String, String> vars) {
        Path file = sandboxDir.resolve(FILE);
        try {
            FileModes.privateDir(sandboxDir);
            Path tmp = Files.createTempFile(sandboxDir, ".env-", ".json"); // created 0600
            try {
                Files.write(tmp, JSON.writeValueAsBytes(new TreeMap<>(vars)));
                LocalFiles.sync(tmp);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw SmolvmException.internal("cannot write " + file + ": " + e.getMessage());
        }
    }

    /**
     * What an exec gets: the kept variables with the exec's own on top (the image's defaults are
     * under both, added by the channel).
     */
    public static Map<String, String> under(Path sandboxDir, Map<String, String> execEnv) {
        Map<String, String> kept = read(sandboxDir);
        if (kept.isEmpty()) {
            return execEnv;
        }
        Map<String, String> merged = new LinkedHashMap<>(kept);
        merged.putAll(execEnv);
        return merged;
    }

    /**
     * The guest's profile script. In an SSH session every variable is set (sshd's own PATH and the
     * like are overridden, as the user asked). Elsewhere (a login-shell exec, which already has the
     * variables and perhaps its own {@code --env} on top) only variables not set yet are set, so
     * an exec's {@code --env} keeps winning.
     */
    static String profileScript(Map<String, String> vars) {
        StringBuilder sb = new StringBuilder("# The sandbox's environment, kept by 'smolvm sandbox env'; smolvm "
                + "rewrites this file.\n");
        for (var e : new TreeMap<>(vars).entrySet()) {
            String name = e.getKey();
            sb.append("if [ -n \"${SSH_CONNECTION-}\" ] || [ -z \"${").append(name).append("+set}\" ]; then export ")
                    .append(name).append('=').append(ShellWords.quote(e.getValue())).append("; fi\n");
        }
        return sb.toString();
    }
}
