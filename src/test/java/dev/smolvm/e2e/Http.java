package dev.smolvm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A small JDK HttpClient wrapper for the API tests. */
final class Http {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    Http(String base, String token) {
        this.base = base;
        this.token = token;
    }

    record Response(int status, String body, Map<String, java.util.List<String>> headers) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        /** The error code, which the body and the X-SmolVM-Error-Code header must agree on. */
        String errorCode() {
            String code = json().get("error").get("code").asText();
            var header = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("X-SmolVM-Error-Code"))
                    .findFirst().map(e -> e.getValue().get(0)).orElse(null);
            if (!code.equals(header)) {
                throw new AssertionError("X-SmolVM-Error-Code header " + header + " != body code " + code);
            }
            return code;
        }

        /**
         * The error sentence as the original's clients read it: the string 'detail', which must be
         * the same sentence as error.message.
         */
        String errorMessage() {
            JsonNode detail = json().get("detail");
            if (detail == null || !detail.isTextual()) {
                throw new AssertionError("no string 'detail' in " + body);
            }
            if (!detail.asText().equals(json().get("error").get("message").asText())) {
                throw new AssertionError("detail and error.message differ in " + body);
            }
            return detail.asText();
        }
    }

    Response get(String path) {
        return send("GET", path, null, Map.of());
    }

    Response post(String path, String body) {
        return send("POST", path, body, Map.of());
    }

    Response delete(String path) {
        return send("DELETE", path, null, Map.of());
    }

    Response send(String method, String path, String body, Map<String, String> headers) {
        var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(180))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers().map());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
