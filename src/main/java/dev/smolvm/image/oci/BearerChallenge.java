package dev.smolvm.image.oci;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** A parsed {@code WWW-Authenticate} header: its scheme and parameters (realm, service, scope). */
public record BearerChallenge(String scheme, Map<String, String> params) {

    public static Optional<BearerChallenge> parse(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String h = header.strip();
        int sp = h.indexOf(' ');
        String scheme = (sp < 0 ? h : h.substring(0, sp)).toLowerCase();
        Map<String, String> params = new LinkedHashMap<>();
        int i = sp < 0 ? h.length() : sp + 1;
        while (i < h.length()) {
            while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
                i++;
            }
            int eq = h.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = h.substring(i, eq).strip().toLowerCase();
            i = eq + 1;
            String value;
            if (i < h.length() && h.charAt(i) == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                while (i < h.length() && h.charAt(i) != '"') {
                    if (h.charAt(i) == '\\' && i + 1 < h.length()) {
                        i++;
                    }
                    sb.append(h.charAt(i++));
                }
                i++;
                value = sb.toString();
            } else {
                int end = h.indexOf(',', i);
                end = end < 0 ? h.length() : end;
                value = h.substring(i, end).strip();
                i = end;
            }
            params.put(key, value);
        }
        return Optional.of(new BearerChallenge(scheme, params));
    }

    public boolean bearer() {
        return scheme.equals("bearer");
    }

    public String realm() {
        return params.get("realm");
    }
}
