package dev.smolvm.image.oci;

import dev.smolvm.SmolvmException;

import java.util.ArrayList;
import java.util.List;

/** The pure path rules of layer unpacking: entry names, whiteouts, and what may not leave the root. */
public final class LayerPaths {
    public static final String WHITEOUT_PREFIX = ".wh.";
    public static final String OPAQUE = ".wh..wh..opq";

    private LayerPaths() {
    }

    /** What a tar entry name means for the tree. */
    public sealed interface Kind permits Plain, Whiteout, Opaque, Root {
    }

    /** An ordinary entry at {@code path} (relative, normalised, no "." or ".." components). */
    public record Plain(String path) implements Kind {
    }

    /** {@code .wh.NAME}: delete {@code path} (NAME in the same directory) from the lower layers. */
    public record Whiteout(String path) implements Kind {
    }

    /** {@code .wh..wh..opq}: empty the directory {@code dir} ("" for the root) of what lower layers put there. */
    public record Opaque(String dir) implements Kind {
    }

    /** The root directory itself ("./"). */
    public record Root() implements Kind {
    }

    /**
     * The normalised relative path of a tar entry name; absolute names and names that climb out of
     * the root are refused.
     */
    public static String normalize(String name, String layer) {
        if (name.startsWith("/")) {
            throw escape(name, layer, "it is an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (parts.isEmpty()) {
                    throw escape(name, layer, "it climbs out of the root with '..'");
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(c);
            }
        }
        return String.join("/", parts);
    }

    public static Kind classify(String name, String layer) {
        String path = normalize(name, layer);
        if (path.isEmpty()) {
            return new Root();
        }
        int slash = path.lastIndexOf('/');
        String dir = slash < 0 ? "" : path.substring(0, slash);
        String base = path.substring(slash + 1);
        if (base.equals(OPAQUE)) {
            return new Opaque(dir);
        }
        if (base.startsWith(WHITEOUT_PREFIX)) {
            String target = base.substring(WHITEOUT_PREFIX.length());
            if (target.isEmpty() || target.equals(".") || target.equals("..")) {
                throw escape(name, layer, "it is a whiteout of nothing");
            }
            return new Whiteout(dir.isEmpty() ? target : dir + "/" + target);
        }
        return new Plain(path);
    }

    /**
     * Resolves a symlink's target against the link's directory inside the root (an absolute target
     * is relative to the root, as in the guest). The result is the path relative to the root; a
     * target that climbs above the root is refused.
     */
    public static List<String> resolveTarget(List<String> linkDir, String target, String entry, String layer) {
        List<String> parts = target.startsWith("/") ? new ArrayList<>() : new ArrayList<>(linkDir);
        for (String c : target.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (parts.isEmpty()) {
                    throw escape(entry, layer, "it would be written through a symbolic link that points out of the "
                            + "root (" + target + ")");
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(c);
            }
        }
        return parts;
    }

    public static SmolvmException escape(String name, String layer, String why) {
        return SmolvmException.invalid("layer " + layer + " has an entry '" + name + "' that escapes the image's "
                + "root: " + why + "; nothing was kept.");
    }
}
