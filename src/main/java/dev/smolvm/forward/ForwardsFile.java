package dev.smolvm.forward;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smolvm.SmolvmException;
import dev.smolvm.WireName;

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
            // The tree model, mapped by hand: binding records by reflection costs ~40 ms per start.
            JsonNode root = JSON.readTree(path.toFile());
            JsonNode forwards = root == null ? null : root.get("forwards");
            if (root != null && root.isObject() && (forwards == null || forwards.isNull())) {
                return List.of();
            }
            if (root == null || !root.isObject() || !forwards.isArray()) {
                throw SmolvmException.internal("the port forward state file " + path + " is corrupt (no 'forwards' "
                        + "list); fix or delete it, then run 'smolvm port list' again.");
            }
            List<Forward> out = new ArrayList<>();
            for (JsonNode f : forwards) {
                out.add(fromJson(f));
            }
            return List.copyOf(out);
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
            ObjectNode root = JSON.createObjectNode().put("sandbox", sandbox).put("sandbox_id", sandboxId);
            ArrayNode list = root.putArray("forwards");
            forwards.forEach(f -> list.add(toJson(f)));
            JSON.writeValue(tmp.toFile(), root);
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw SmolvmException.internal("cannot write " + path + ": " + e.getMessage());
        }
    }

    private static Forward fromJson(JsonNode f) throws JsonProcessingException {
        for (String field : new String[] {"host_port", "guest_port", "transport"}) {
            if (!f.hasNonNull(field)) {
                throw new com.fasterxml.jackson.core.JsonParseException(null, "a forward has no '" + field + "'");
            }
        }
        return new Forward(f.get("host_port").asInt(), f.get("guest_port").asInt(),
                wire(Protocol.class, f.path("protocol").asText("tcp"), "protocol"), f.path("mapping").asText(),
                wire(TransportKind.class, f.get("transport").asText(), "transport"), f.path("guest_ip").asText(null),
                f.hasNonNull("pid") ? f.get("pid").asLong() : null, f.path("requested_host_port").asBoolean(false),
                f.path("created_at").asText(null));
    }

    /** A wire name from the file; an unknown one makes the file corrupt, it is never read as a default. */
    private static <E extends Enum<E> & WireName> E wire(Class<E> type, String value, String field)
            throws JsonProcessingException {
        try {
            return WireName.parse(type, value, field);
        } catch (SmolvmException e) {
            throw new com.fasterxml.jackson.core.JsonParseException(null, "a forward's " + field + " is '" + value
                    + "', not one of " + WireName.choices(type));
        }
    }

    private static ObjectNode toJson(Forward f) {
        ObjectNode n = JSON.createObjectNode();
        n.put("host_port", f.hostPort());
        n.put("guest_port", f.guestPort());
        n.put("protocol", f.protocol().wireName());
        n.put("mapping", f.mapping());
        n.put("transport", f.transport().wireName());
        n.put("guest_ip", f.guestIp());
        if (f.pid() == null) {
            n.putNull("pid");
        } else {
            n.put("pid", f.pid());
        }
        n.put("requested_host_port", f.requestedHostPort());
        n.put("created_at", f.createdAt());
        return n;
    }

    public void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw SmolvmException.internal("cannot delete " + path + ": " + e.getMessage());
        }
    }
}
