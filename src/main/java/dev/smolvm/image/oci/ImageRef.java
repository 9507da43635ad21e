package dev.smolvm.image.oci;

import dev.smolvm.SmolvmException;

import java.util.regex.Pattern;

/**
 * An OCI image reference, normalised the way Docker does it: {@code alpine:3.20} is
 * {@code docker.io/library/alpine:3.20}; {@code host:5000/repo@sha256:…} names a registry by its
 * host (a first component with a dot, a colon, or {@code localhost}).
 */
public record ImageRef(String registry, String repository, String tag, String digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final Pattern REPO = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    public static ImageRef parse(String text) {
        if (text == null || text.isBlank() || text.contains("://") || text.startsWith("/") || text.startsWith(".")) {
            throw bad(text, "it is not of the form [registry/]repository[:tag][@sha256:digest]");
        }
        String rest = text;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw bad(text, "the digest must be sha256: and 64 hex digits");
            }
        }
        String registry = DOCKER_HUB;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw bad(text, "the tag '" + tag + "' has characters a tag cannot have");
            }
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        if (!REPO.matcher(rest).matches()) {
            throw bad(text, "the repository '" + rest + "' must be lowercase letters, digits and separators");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageRef(registry, rest, tag, digest);
    }

    /** Whether {@code text} is meant as a registry reference rather than a local image name or path. */
    public static boolean looksLikeReference(String text) {
        if (text == null || text.startsWith("/") || text.startsWith(".") || text.startsWith("file:")) {
            return false;
        }
        try {
            parse(text);
        } catch (SmolvmException e) {
            return false;
        }
        return text.contains(":") || text.contains("/") || text.contains("@");
    }

    private static SmolvmException bad(String text, String why) {
        return SmolvmException.invalid("'" + text + "' is not an image reference: " + why + ".");
    }

    /** The host the Registry API is spoken to ({@code registry-1.docker.io} for Docker Hub). */
    public String apiHost() {
        return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry;
    }

    /** Plain HTTP for a registry on this machine (localhost, 127.0.0.0/8, [::1]), as Docker does; HTTPS otherwise. */
    public boolean insecure() {
        String host = registry.startsWith("[") ? registry.substring(0, registry.indexOf(']') + 1)
                : registry.contains(":") ? registry.substring(0, registry.indexOf(':')) : registry;
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    public String apiBase() {
        return (insecure() ? "http://" : "https://") + apiHost() + "/v2/";
    }

    /** The tag or digest the manifest is asked for by. */
    public String reference() {
        return digest != null ? digest : tag;
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    /** A directory name for this reference: no slashes, colons or at signs, never starting with a dot. */
    public String dirName() {
        return toString().replace('/', '_').replace(':', '_').replace('@', '_');
    }
}
