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

    /**
     * Sends {@code request} byte for byte over a plain socket, as a browser or an attacker could
     * (the JDK client will not send a forged Host header), and reads the whole answer.
     */
    static Response raw(int port, String request) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int split = answer.indexOf("\r\n\r\n");
            String head = split < 0 ? answer : answer.substring(0, split);
            String[] lines = head.split("\r\n");
            Map<String, java.util.List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new java.util.ArrayList<>())
                            .add(lines[i].substring(colon + 1).trim());
                }
            }
            return new Response(Integer.parseInt(lines[0].split(" ")[1]), split < 0 ? "" : answer.substring(split + 4),
                    headers);
        } catch (IOException e) {
            throw new AssertionError("raw request failed: " + e, e);
        }
    }
}
