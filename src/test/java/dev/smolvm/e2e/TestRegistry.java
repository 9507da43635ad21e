package dev.smolvm.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/**
 * Debian's docker-registry on a free 127.0.0.1 port with a throwaway storage directory, and
 * pushing to it through the Registry HTTP API (monolithic blob upload, manifest PUT).
 */
final class TestRegistry implements AutoCloseable {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    final Path dir;
    final Path storage;
    final Path log;
    final int port;
    private final Process process;
    private final HttpClient http = HttpClient.newHttpClient();

    TestRegistry() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "smolvm-registry-");
        storage = Files.createDirectories(dir.resolve("storage"));
        log = dir.resolve("registry.log");
        port = freePort();
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: false
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(storage, port));
        process = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        for (int i = 0; i < 100; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base() + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("docker-registry did not start: " + Files.readString(log));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    String host() {
        return "127.0.0.1:" + port;
    }

    String base() {
        return "http://" + host();
    }

    static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    String pushBlob(String repo, byte[] data) throws Exception {
        HttpResponse<String> start = http.send(HttpRequest.newBuilder(URI.create(base() + "/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (start.statusCode() != 202) {
            throw new IllegalStateException("upload start: " + start.statusCode() + " " + start.body());
        }
        String location = start.headers().firstValue("Location").orElseThrow();
        URI put = URI.create(base()).resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + sha256(data));
        HttpResponse<String> done = http.send(HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
        if (done.statusCode() != 201) {
            throw new IllegalStateException("upload: " + done.statusCode() + " " + done.body());
        }
        return sha256(data);
    }

    String pushManifest(String repo, String tag, String mediaType, Object manifest) throws Exception {
        byte[] bytes = JSON.writeValueAsBytes(manifest);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/v2/" + repo + "/manifests/" + tag))
                .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("manifest: " + r.statusCode() + " " + r.body());
        }
        return sha256(bytes);
    }

    /** Pushes an image of gzip'd {@code layers} with {@code config} (the "config" part of the config blob); returns its manifest. */
    Map<String, Object> pushImage(String repo, String tag, String arch, Map<String, Object> config, List<byte[]> layers)
            throws Exception {
        Map<String, Object> blob = new LinkedHashMap<>();
        blob.put("architecture", arch);
        blob.put("os", "linux");
        blob.put("config", config);
        blob.put("rootfs", Map.of("type", "layers", "diff_ids", List.of()));
        byte[] configBytes = JSON.writeValueAsBytes(blob);
        String configDigest = pushBlob(repo, configBytes);
        List<Map<String, Object>> layerDescs = new java.util.ArrayList<>();
        for (byte[] layer : layers) {
            layerDescs.add(Map.of("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest", pushBlob(repo, layer), "size", layer.length));
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", OCI_MANIFEST);
        manifest.put("config", Map.of("mediaType", "application/vnd.oci.image.config.v1+json", "digest", configDigest,
                "size", configBytes.length));
        manifest.put("layers", layerDescs);
        String digest = pushManifest(repo, tag, OCI_MANIFEST, manifest);
        manifest.put("_digest", digest);
        manifest.put("_size", JSON.writeValueAsBytes(withoutPrivate(manifest)).length);
        return manifest;
    }

    static Map<String, Object> withoutPrivate(Map<String, Object> m) {
        Map<String, Object> copy = new LinkedHashMap<>(m);
        copy.keySet().removeIf(k -> k.startsWith("_"));
        return copy;
    }

    /** The blob file of {@code digest} in the registry's storage. */
    Path blobFile(String digest) {
        String hex = digest.substring("sha256:".length());
        return storage.resolve("docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
    }

    /** A gzip'd tar made by {@code entries}. */
    static byte[] layer(Consumer<Tar> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            entries.accept(new Tar(tar));
        }
        return bytes.toByteArray();
    }

    record Tar(TarArchiveOutputStream out) {
        void dir(String name, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
            e.setMode(040000 | mode);
            put(e, null);
        }

        void file(String name, int mode, int uid, int gid, byte[] content) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setMode(0100000 | mode);
            e.setIds(uid, gid);
            e.setSize(content.length);
            put(e, content);
        }

        void file(String name, String content) {
            file(name, 0644, 0, 0, content.getBytes(StandardCharsets.UTF_8));
        }

        void symlink(String name, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(target);
            e.setMode(0120777);
            put(e, null);
        }

        void hardlink(String name, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
            e.setLinkName(target);
            put(e, null);
        }

        void charDevice(String name, int major, int minor) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_CHR);
            e.setMode(020666);
            e.setDevMajor(major);
            e.setDevMinor(minor);
            put(e, null);
        }

        private void put(TarArchiveEntry e, byte[] content) {
            try {
                out.putArchiveEntry(e);
                if (content != null) {
                    out.write(content);
                }
                out.closeArchiveEntry();
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        process.waitFor();
        dev.smolvm.image.Images.deleteTree(dir);
    }
}
