package dev.smolvm.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The Registry HTTP API v2, spoken with the JDK's HttpClient: manifests (by tag or digest) and
 * blobs, token auth from a Bearer challenge (Basic credentials from config.json when present),
 * redirects followed without the registry's credentials, and every byte checked against its digest.
 */
public final class RegistryClient {
    static final String ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ImageRef ref;
    private final DockerCredentials credentials;
    private final HttpClient http;
    private final Duration timeout;
    private String authorization;

    public RegistryClient(ImageRef ref, DockerCredentials credentials, Duration timeout) {
        this.ref = ref;
        this.credentials = credentials;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** A manifest, its media type and its digest (the registry's, checked against the bytes). */
    public record Manifest(byte[] bytes, String mediaType, String digest, JsonNode json) {
        public boolean isIndex() {
            return mediaType.contains("index") || mediaType.contains("manifest.list") || json.has("manifests");
        }
    }

    public Manifest manifest(String reference) {
        HttpResponse<byte[]> r = send("manifests/" + reference, ACCEPT, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw failure(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), "manifest " + reference);
        }
        String digest = "sha256:" + sha256(r.body());
        if (reference.startsWith("sha256:") && !reference.equals(digest)) {
            throw digestMismatch("manifest", reference, digest);
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        try {
            JsonNode json = JSON.readTree(r.body());
            if (json.hasNonNull("mediaType")) {
                type = json.get("mediaType").asText();
            }
            return new Manifest(r.body(), type, digest, json);
        } catch (IOException e) {
            throw SmolvmException.unavailable("registry " + ref.registry() + " sent a manifest for " + ref
                    + " that is not JSON.");
        }
    }

    /**
     * Downloads blob {@code digest} to {@code dest}, reporting bytes as they come; the file is
     * deleted and the pull refused when its content does not match the digest.
     */
    public void blob(String digest, Path dest, LongConsumer bytesSoFar) {
        HttpResponse<InputStream> r = send("blobs/" + digest, "*/*", HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                throw failure(r.statusCode(), new String(in.readNBytes(4096), StandardCharsets.UTF_8), "blob " + digest);
            }
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long total = 0;
            byte[] buf = new byte[1 << 16];
            try (OutputStream out = Files.newOutputStream(dest)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    out.write(buf, 0, n);
                    total += n;
                    bytesSoFar.accept(total);
                }
            }
            String got = "sha256:" + HexFormat.of().formatHex(md.digest());
            if (!got.equals(digest)) {
                Files.deleteIfExists(dest);
                throw digestMismatch("blob", digest, got);
            }
        } catch (IOException e) {
            throw unreachable(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private SmolvmException digestMismatch(String what, String expected, String got) {
        return SmolvmException.unavailable("the " + what + " " + expected + " of " + ref + " from " + ref.apiHost()
                + " does not match its digest (its content hashes to " + got + "); nothing was kept.");
    }

    private <T> HttpResponse<T> send(String path, String accept, HttpResponse.BodyHandler<T> body) {
        URI uri = URI.create(ref.apiBase() + ref.repository() + "/" + path);
        try {
            HttpResponse<T> r = get(uri, accept, body, authorization);
            if (r.statusCode() == 401) {
                String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
                drain(r);
                authorization = authorize(challenge);
                r = get(uri, accept, body, authorization);
            }
            for (int hops = 0; hops < 5 && isRedirect(r.statusCode()); hops++) {
                URI next = uri.resolve(r.headers().firstValue("Location").orElseThrow());
                drain(r);
                // Blob stores (S3, CDNs) get no registry credentials: their URL carries its own.
                r = get(next, accept, body, next.getAuthority().equals(uri.getAuthority()) ? authorization : null);
            }
            return r;
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SmolvmException.internal("pull of " + ref + " interrupted");
        }
    }

    private <T> HttpResponse<T> get(URI uri, String accept, HttpResponse.BodyHandler<T> body, String auth)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout.multipliedBy(6)).header("Accept", accept)
                .header("User-Agent", "smolvm");
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.GET().build(), body);
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static void drain(HttpResponse<?> r) {
        if (r.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing to keep
            }
        }
    }

    /** The Authorization header a challenge asks for: a token from its realm, or Basic credentials. */
    private String authorize(String header) throws IOException, InterruptedException {
        Optional<BearerChallenge> challenge = BearerChallenge.parse(header);
        Optional<String> basic = credentials.basicAuth(ref.registry());
        if (challenge.isEmpty() || !challenge.get().bearer()) {
            if (basic.isEmpty()) {
                throw SmolvmException.unavailable("registry " + ref.apiHost() + " wants credentials for " + ref
                        + "; log in with 'docker login " + ref.registry() + "' (smolvm reads ~/.docker/config.json).");
            }
            return basic.get();
        }
        BearerChallenge c = challenge.get();
        if (c.realm() == null) {
            throw SmolvmException.unavailable("registry " + ref.apiHost() + " sent a token challenge without a realm.");
        }
        StringBuilder url = new StringBuilder(c.realm()).append(c.realm().contains("?") ? "&" : "?");
        url.append("scope=").append(enc(c.params().getOrDefault("scope", "repository:" + ref.repository() + ":pull")));
        if (c.params().containsKey("service")) {
            url.append("&service=").append(enc(c.params().get("service")));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.toString())).timeout(timeout.multipliedBy(3));
        basic.ifPresent(v -> b.header("Authorization", v));
        HttpResponse<String> r = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw SmolvmException.unavailable("the token service " + URI.create(c.realm()).getHost() + " refused access to "
                    + ref + " (HTTP " + r.statusCode() + ")" + (basic.isEmpty()
                    ? "; if the image is private, log in with 'docker login " + ref.registry() + "'" : "") + ".");
        }
        JsonNode token = JSON.readTree(r.body());
        String t = token.path("token").asText(token.path("access_token").asText(""));
        if (t.isEmpty()) {
            throw SmolvmException.unavailable("the token service " + c.realm() + " answered without a token.");
        }
        return "Bearer " + t;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private SmolvmException failure(int status, String body, String what) {
        String detail = "";
        try {
            JsonNode err = JSON.readTree(body).path("errors").path(0);
            if (!err.isMissingNode()) {
                detail = ": " + err.path("code").asText() + " " + err.path("message").asText();
            }
        } catch (IOException ignored) {
            // a body that is not the registry's error JSON
        }
        if (status == 404) {
            return SmolvmException.notFound("registry " + ref.apiHost() + " has no " + what + " for " + ref + detail
                    + " (HTTP 404); check the repository and tag.");
        }
        if (status == 401 || status == 403) {
            return SmolvmException.unavailable("registry " + ref.apiHost() + " refused access to " + ref + " (HTTP "
                    + status + detail + "); if it is private, log in with 'docker login " + ref.registry() + "'.");
        }
        return new SmolvmException(ErrorCode.UNAVAILABLE, "registry " + ref.apiHost() + " answered HTTP " + status
                + " for the " + what + " of " + ref + detail + ".");
    }

    private SmolvmException unreachable(IOException e) {
        String why = e instanceof ConnectException ? "connection refused"
                : e instanceof HttpConnectTimeoutException ? "no answer within " + timeout.toSeconds() + " s"
                : e instanceof HttpTimeoutException ? "it stopped answering"
                : e.getCause() instanceof java.nio.channels.UnresolvedAddressException ? "its name does not resolve"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.net.UnknownHostException) {
            why = "its name does not resolve";
        }
        return new SmolvmException(ErrorCode.UNAVAILABLE, "cannot reach registry " + ref.apiHost() + ": " + why
                + " (while pulling " + ref + ").", e);
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A quick {@code HEAD /v2/} to {@code ref}'s registry for doctor: "HTTP 401" (any status means it
     * answered), or why it did not answer, prefixed "no answer: ".
     */
    public static String probe(ImageRef ref, Duration timeout) {
        try {
            HttpClient c = HttpClient.newBuilder().connectTimeout(timeout).build();
            HttpResponse<Void> r = c.send(HttpRequest.newBuilder(URI.create(ref.apiBase()))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.discarding());
            return "HTTP " + r.statusCode();
        } catch (IOException e) {
            String m = new RegistryClient(ref, DockerCredentials.parse("{}"), timeout).unreachable(e).getMessage();
            return "no answer: " + m.substring(m.indexOf(": ") + 2, m.indexOf(" (while"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "no answer: interrupted";
        }
    }
}
