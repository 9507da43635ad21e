package dev.smolvm.server;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Keeps web pages and strangers from driving the local API, before any route runs. Pure: it
 * looks only at the request line's method and headers.
 *
 * <ul>
 *   <li><b>Host</b> must name this server: a loopback name or address, the address given to
 *   {@code --host}, or (when bound to all addresses) any IP literal. A DNS-rebinding page
 *   reaches us under its own name, so its requests carry a foreign Host and are refused (421).</li>
 *   <li><b>Origin</b>: browsers add it to cross-site requests; any request that has one is refused
 *   (403) unless {@code --allow-origin} names it. Tools like curl and our clients send none.</li>
 *   <li><b>Content-Type</b>: a body must be declared JSON (or octet-stream where a route takes
 *   bytes), so a cross-site form post ({@code text/plain}, {@code application/x-www-form-urlencoded})
 *   cannot be a "simple" request that skips the browser's preflight (415).</li>
 * </ul>
 */
public final class RequestGuard {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(%\\w+)?");
    private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");

    /** Why a request was turned away: the status, the code (also in the header) and a sentence. */
    public record Refusal(int status, String code, String message) {
    }

    private final String boundHost;
    private final Set<String> allowedOrigins;

    public RequestGuard(String boundHost, Set<String> allowedOrigins) {
        this.boundHost = boundHost == null ? "127.0.0.1" : stripBrackets(boundHost.toLowerCase(Locale.ROOT));
        this.allowedOrigins = Set.copyOf(allowedOrigins);
    }

    /** The first rule this request breaks, if any. {@code bytesOfBody}: true when it carries a body. */
    public Optional<Refusal> check(String method, String host, String origin, String contentType, boolean hasBody) {
        if (host != null && !hostAllowed(host)) {
            return Optional.of(new Refusal(421, "misdirected_host", "This server does not answer to the host name '"
                    + host + "'; use http://127.0.0.1 or http://localhost (a page that reaches it under another "
                    + "name may be a DNS-rebinding attack)."));
        }
        if (origin != null && !allowedOrigins.contains(origin)) {
            return Optional.of(new Refusal(403, "forbidden_origin", "Requests from web pages are refused: origin '"
                    + origin + "' is not allowed; start the server with --allow-origin " + origin
                    + " to let that page use the API."));
        }
        if (hasBody && BODY_METHODS.contains(method.toUpperCase(Locale.ROOT)) && !jsonOrBytes(contentType)) {
            return Optional.of(new Refusal(415, "unsupported_media_type", "A request body must be sent as "
                    + "'Content-Type: application/json'" + (contentType == null ? "; none was given."
                    : ", not '" + contentType + "'.")));
        }
        return Optional.empty();
    }

    /** Whether {@code origin} may use the API from a browser (and so gets CORS headers). */
    public boolean originAllowed(String origin) {
        return origin != null && allowedOrigins.contains(origin);
    }

    boolean hostAllowed(String hostHeader) {
        String name = hostName(hostHeader.trim().toLowerCase(Locale.ROOT));
        if (name.isEmpty()) {
            return false;
        }
        if (isLoopback(name) || name.equals(boundHost)) {
            return true;
        }
        // Bound to every address: any address of this machine is a fair way in, and an IP literal
        // cannot be rebound to another host, so any literal is accepted (names are not).
        return isWildcard(boundHost) && (IPV4.matcher(name).matches() || IPV6.matcher(name).matches());
    }

    /** Whether {@code host} (an address or name given to --host) is reachable only from this machine. */
    public static boolean isLoopback(String host) {
        String h = stripBrackets(host.toLowerCase(Locale.ROOT));
        return h.equals("localhost") || h.endsWith(".localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")
                || (IPV4.matcher(h).matches() && h.startsWith("127."));
    }

    static boolean isWildcard(String host) {
        String h = stripBrackets(host);
        return h.equals("0.0.0.0") || h.equals("::") || h.equals("0:0:0:0:0:0:0:0");
    }

    private static String hostName(String header) {
        if (header.startsWith("[")) {
            int end = header.indexOf(']');
            return end < 0 ? "" : header.substring(1, end);
        }
        int colon = header.indexOf(':');
        if (colon >= 0 && header.indexOf(':', colon + 1) < 0) {
            return header.substring(0, colon);
        }
        return header;
    }

    private static String stripBrackets(String h) {
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static boolean jsonOrBytes(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.equals("application/octet-stream");
    }
}
