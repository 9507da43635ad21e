package dev.smolvm.forward;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smolvm.SmolvmException;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The user-visible state file of one sandbox's forwards. Written atomically (temp file + rename);
 * callers hold the forwards lock. A file that does not parse is reported, never overwritten.
 */
public final class ForwardsFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The file's content. */
    public record Content(@JsonProperty("sandbox") String sandbox,
                          @JsonProperty("sandbox_id") String sandboxId,
                          @JsonProperty("forwards") List<Forward> forwards) {
    }

    private final Path path;

    public ForwardsFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    public List<Forward> read() {
        if (!Files.exists(path)) {
            return List.of();
        }
        try {
            Content c = JSON.readValue(path.toFile(), Content.class);
            return c.forwards() == null ? List.of() : List.copyOf(c.forwards());
        } catch (JsonProcessingException e) {
            throw SmolvmException.internal("the port forward state file " + path + " is corrupt ("
                    + e.getOriginalMessage() + "); fix or delete it, then run 'smolvm port list' again.");
        } catch (IOException e) {
            throw SmolvmException.internal("cannot read " + path + ": " + e.getMessage());
        }
    }

    public void write(String sandbox, String sandboxId, List<Forward> forwards) {
        try {
            if (forwards.isEmpty()) {
                Files.deleteIfExists(path);
                return;
            }
            Files.createDirectories(path.getParent());
            Path tmp = path.resolveSibling("." + path.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), new Content(sandbox, sandboxId, new ArrayList<>(forwards)));
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw SmolvmException.internal("cannot write " + path + ": " + e.getMessage());
        }
    }

    public void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw SmolvmException.internal("cannot delete " + path + ": " + e.getMessage());
        }
    }
}
