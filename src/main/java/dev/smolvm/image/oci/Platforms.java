package dev.smolvm.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smolvm.SmolvmException;

import java.util.ArrayList;
import java.util.List;

/** Picks the linux/amd64 manifest out of a manifest list or an OCI index. */
public final class Platforms {
    public static final String WANTED = "linux/amd64";

    private Platforms() {
    }

    /** One entry of an index: its digest and platform ("os/arch[/variant]"). */
    public record Entry(String digest, String mediaType, String platform) {
    }

    public static List<Entry> entries(JsonNode index) {
        List<Entry> out = new ArrayList<>();
        for (JsonNode m : index.path("manifests")) {
            JsonNode p = m.path("platform");
            String platform = p.path("os").asText("?") + "/" + p.path("architecture").asText("?")
                    + (p.hasNonNull("variant") ? "/" + p.path("variant").asText() : "");
            out.add(new Entry(m.path("digest").asText(), m.path("mediaType").asText(null), platform));
        }
        return out;
    }

    /** The linux/amd64 entry, or an error naming the platforms the image has. */
    public static Entry select(JsonNode index, String ref) {
        List<Entry> entries = entries(index);
        for (Entry e : entries) {
            if (e.platform().equals(WANTED) || e.platform().startsWith(WANTED + "/")) {
                return e;
            }
        }
        List<String> present = entries.stream().map(Entry::platform)
                .filter(p -> !p.startsWith("unknown/")).distinct().toList();
        throw SmolvmException.unavailable("image " + ref + " has no " + WANTED + " variant (it has: "
                + (present.isEmpty() ? "none" : String.join(", ", present)) + "); smolvm guests are " + WANTED + ".");
    }
}
