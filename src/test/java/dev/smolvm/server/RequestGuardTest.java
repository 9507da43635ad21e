package dev.smolvm.server;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RequestGuardTest {
    private final RequestGuard loopback = new RequestGuard("127.0.0.1", Set.of());
    private final RequestGuard everywhere = new RequestGuard("0.0.0.0", Set.of("http://localhost:5173"));

    private static Integer status(RequestGuard g, String method, String host, String origin, String type, boolean body) {
        return g.check(method, host, origin, type, body).map(RequestGuard.Refusal::status).orElse(null);
    }

    @Test
    void loopbackNamesAndTheBoundAddressAreAccepted() {
        for (String host : new String[] {"127.0.0.1:8000", "127.0.0.1", "localhost:8000", "LOCALHOST", "[::1]:8000",
                "127.1.2.3:80", "api.localhost:8000"}) {
            assertThat(status(loopback, "GET", host, null, null, false)).as(host).isNull();
        }
        assertThat(status(new RequestGuard("10.1.2.3", Set.of()), "GET", "10.1.2.3:8000", null, null, false)).isNull();
        assertThat(status(loopback, "GET", null, null, null, false)).as("HTTP/1.0 without Host").isNull();
    }

    @Test
    void aRebindingHostIsRefusedWith421() {
        for (String host : new String[] {"evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil",
                "10.0.0.1:8000", "", "[::2]:8000"}) {
            var r = loopback.check("GET", host, null, null, false);
            assertThat(r).as(host).isPresent();
            assertThat(r.get().status()).isEqualTo(421);
            assertThat(r.get().code()).isEqualTo("misdirected_host");
        }
        assertThat(loopback.check("GET", "evil.example", null, null, false).get().message())
                .isEqualTo("This server does not answer to the host name 'evil.example'; use http://127.0.0.1 or "
                        + "http://localhost (a page that reaches it under another name may be a DNS-rebinding attack).");
    }

    @Test
    void boundToEveryAddressAnyIpLiteralButNoForeignNameIsAccepted() {
        assertThat(status(everywhere, "GET", "192.168.1.20:8000", null, null, false)).isNull();
        assertThat(status(everywhere, "GET", "[fe80::1]:8000", null, null, false)).isNull();
        assertThat(status(everywhere, "GET", "evil.example:8000", null, null, false)).isEqualTo(421);
    }

    @Test
    void anyOriginButAnAllowedOneIsRefusedWith403() {
        var r = loopback.check("GET", "127.0.0.1:8000", "http://evil.example", null, false);
        assertThat(r.get().status()).isEqualTo(403);
        assertThat(r.get().message()).isEqualTo("Requests from web pages are refused: origin 'http://evil.example' is "
                + "not allowed; start the server with --allow-origin http://evil.example to let that page use the API.");
        assertThat(status(loopback, "GET", "localhost", "null", null, false)).as("sandboxed iframes send null").isEqualTo(403);
        assertThat(status(everywhere, "POST", "localhost", "http://localhost:5173", "application/json", true)).isNull();
        assertThat(everywhere.originAllowed("http://localhost:5173")).isTrue();
        assertThat(everywhere.originAllowed("http://localhost:5174")).isFalse();
        assertThat(status(everywhere, "GET", "localhost", "http://localhost:5174", null, false)).isEqualTo(403);
    }

    @Test
    void aBodyMustBeJsonOrBytesElse415() {
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                null}) {
            var r = loopback.check("POST", "localhost", null, type, true);
            assertThat(r).as(type).isPresent();
            assertThat(r.get().status()).isEqualTo(415);
        }
        assertThat(loopback.check("POST", "localhost", null, "text/plain", true).get().message())
                .isEqualTo("A request body must be sent as 'Content-Type: application/json', not 'text/plain'.");
        assertThat(status(loopback, "POST", "localhost", null, "application/json; charset=utf-8", true)).isNull();
        assertThat(status(loopback, "PUT", "localhost", null, "application/octet-stream", true)).isNull();
        assertThat(status(loopback, "POST", "localhost", null, null, false)).as("no body, nothing to declare").isNull();
        assertThat(status(loopback, "DELETE", "localhost", null, "text/plain", true)).isNull();
    }

    @Test
    void loopbackBindsAreTellable() {
        assertThat(RequestGuard.isLoopback("127.0.0.1")).isTrue();
        assertThat(RequestGuard.isLoopback("::1")).isTrue();
        assertThat(RequestGuard.isLoopback("[::1]")).isTrue();
        assertThat(RequestGuard.isLoopback("localhost")).isTrue();
        assertThat(RequestGuard.isLoopback("0.0.0.0")).isFalse();
        assertThat(RequestGuard.isLoopback("::")).isFalse();
        assertThat(RequestGuard.isLoopback("192.168.1.2")).isFalse();
    }
}
