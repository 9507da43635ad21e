package dev.smolvm.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.HostPrivileges;
import dev.smolvm.host.Progress;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code image pull} and {@code image import}: an OCI image or a rootfs made into an agent-channel image directory. */
public final class OciImages {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_+-]{0,63}");
    private final Path root;
    private final Map<String, String> env;
    private final HostPrivileges privileges;

    public OciImages(Path imagesRoot, Map<String, String> env, HostPrivileges privileges) {
        this.root = imagesRoot;
        this.env = env;
        this.privileges = privileges;
    }

    /** The image directory a reference is pulled into. */
    public Path dirFor(ImageRef ref) {
        return root.resolve(ref.dirName());
    }

    private Duration timeout() {
        return registryTimeout(env.get("SMOLVM_REGISTRY_TIMEOUT"));
    }

    /** SMOLVM_REGISTRY_TIMEOUT: whole seconds from 1 to 3600 per registry request; unset or empty is 10. */
    public static Duration registryTimeout(String value) {
        if (value == null || value.isEmpty()) {
            return Duration.ofSeconds(10);
        }
        try {
            long s = Long.parseLong(value);
            if (s >= 1 && s <= 3600) {
                return Duration.ofSeconds(s);
            }
        } catch (NumberFormatException e) {
            // the sentence below
        }
        throw SmolvmException.invalid("SMOLVM_REGISTRY_TIMEOUT must be a whole number of seconds from 1 to 3600, not '"
                + value + "'; unset it for the default (10).");
    }

    public Path pull(ImageRef ref, Progress progress) {
        requireRoot("pull");
        return new ImageAssembler(root).make(ref.dirName(), progress, work -> {
            try {
                return fetch(ref, work, progress);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private Map<String, Object> fetch(ImageRef ref, Path work, Progress progress) throws IOException {
        progress.step("Pulling " + ref + " from " + ref.apiHost());
        RegistryClient client = new RegistryClient(ref, DockerCredentials.load(env), timeout());
        RegistryClient.Manifest top = client.manifest(ref.reference());
        RegistryClient.Manifest manifest = top;
        if (top.isIndex()) {
            Platforms.Entry chosen = Platforms.select(top.json(), ref.toString());
            progress.step("  " + Platforms.WANTED + " is " + chosen.digest());
            manifest = client.manifest(chosen.digest());
        }
        JsonNode m = manifest.json();
        if (!m.has("layers") || !m.has("config")) {
            throw SmolvmException.unavailable("the manifest of " + ref + " (" + manifest.mediaType() + ") is not an "
                    + "image manifest smolvm can read (it has no layers and config).");
        }
        Path blobs = work.resolve("blobs");
        Files.createDirectory(blobs);
        String configDigest = m.path("config").path("digest").asText();
        Path configFile = blobs.resolve("config");
        client.blob(configDigest, configFile, n -> { });
        JsonNode config = JSON.readTree(configFile.toFile());
        String arch = config.path("architecture").asText("amd64");
        if (!arch.equals("amd64") || !config.path("os").asText("linux").equals("linux")) {
            throw SmolvmException.unavailable("image " + ref + " is " + config.path("os").asText() + "/" + arch
                    + ", not " + Platforms.WANTED + "; smolvm guests are " + Platforms.WANTED + ".");
        }
        List<JsonNode> layers = iterable(m.path("layers"));
        long size = m.path("config").path("size").asLong(0);
        LayerUnpacker unpacker = new LayerUnpacker(work.resolve("root"), privileges.root());
        for (int i = 0; i < layers.size(); i++) {
            String digest = layers.get(i).path("digest").asText();
            long layerSize = layers.get(i).path("size").asLong(0);
            size += layerSize;
            String label = (i + 1) + "/" + layers.size() + " (" + shortDigest(digest) + ")";
            progress.step("  layer " + label + ": downloading " + human(layerSize));
            Path blob = blobs.resolve("layer-" + i);
            client.blob(digest, blob, n -> { });
            progress.step("  layer " + label + ": verified, unpacking");
            try (InputStream in = Files.newInputStream(blob)) {
                unpacker.apply(in, label);
            }
            Files.delete(blob);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("source", "oci");
        meta.put("ref", ref.toString());
        meta.put("digest", top.digest());
        meta.put("manifest_digest", manifest.digest());
        meta.put("size", size);
        meta.put("platform", Platforms.WANTED);
        meta.put("config", ImageConfig.of(config).toJson());
        LayerUnpacker.deleteTree(blobs);
        return meta;
    }

    /** Imports a rootfs tarball (gzip or plain) or directory as image {@code name}. */
    public Path importRootfs(Path source, String name, Progress progress) {
        requireRoot("import");
        if (!Files.exists(source)) {
            throw SmolvmException.notFound("nothing to import at " + source + ".");
        }
        String n = name != null ? name : defaultName(source);
        if (!NAME.matcher(n).matches()) {
            throw SmolvmException.invalid("image name '" + n + "' must be letters, digits, '_', '+' or '-' (at most "
                    + "64, not starting with a separator); give one with --name.");
        }
        if (Files.exists(root.resolve(n))) {
            throw SmolvmException.conflict("an image named '" + n + "' already exists; remove it with 'smolvm image rm "
                    + n + "' or pick another --name.");
        }
        return new ImageAssembler(root).make(n, progress, work -> {
            Path tree = work.resolve("root");
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("source", "import");
            meta.put("ref", source.toAbsolutePath().toString());
            try {
                if (Files.isDirectory(source)) {
                    progress.step("Importing the directory " + source);
                    var r = Cmd.of("cp", "-a", "--", source.toAbsolutePath() + "/.", tree.toString())
                            .withTimeout(Duration.ofMinutes(30)).run();
                    if (!r.ok()) {
                        throw SmolvmException.internal("copying " + source + " failed: " + r.describeFailure());
                    }
                    meta.put("digest", null);
                    meta.put("size", null); // a directory has no one download size
                } else {
                    progress.step("Importing the tarball " + source);
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    try (InputStream in = new DigestInputStream(Files.newInputStream(source), md)) {
                        new LayerUnpacker(tree, privileges.root()).apply(in, source.getFileName().toString());
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    }
                    meta.put("digest", "sha256:" + HexFormat.of().formatHex(md.digest()));
                    meta.put("size", Files.size(source));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            meta.put("config", ImageConfig.NONE.toJson());
            return meta;
        });
    }

    static String defaultName(Path source) {
        String base = source.toAbsolutePath().normalize().getFileName().toString()
                .replaceFirst("\\.(tar\\.gz|tgz|tar)$", "");
        return base.replaceAll("[^A-Za-z0-9_+-]", "-").replaceFirst("^[^A-Za-z0-9]+", "");
    }

    private void requireRoot(String what) {
        if (!privileges.root()) {
            throw SmolvmException.unavailable("image " + what + " needs root (the image's files keep their owners and "
                    + "device nodes); run it with sudo.");
        }
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> out = new java.util.ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    static String shortDigest(String digest) {
        int colon = digest.indexOf(':');
        return digest.substring(0, Math.min(digest.length(), colon + 13));
    }

    static String human(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format("%.1f KB", bytes / 1024.0);
        }
        return String.format("%.1f MB", bytes / (1024.0 * 1024));
    }
}
