package dev.smolvm.forward;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A forward as both doors show it: the CLI's {@code --json} data and the HTTP API's
 * {@code PortForwardInfo} carry these fields, in this order. {@code sandbox} is the sandbox as the
 * caller named it.
 */
public record ForwardInfo(String sandbox, int guestPort, int hostPort, String mapping, Protocol protocol,
                          TransportKind transport) {
    public static ForwardInfo of(String sandbox, Forward f) {
        return new ForwardInfo(sandbox, f.guestPort(), f.hostPort(), f.mapping(), f.protocol(), f.transport());
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sandbox", sandbox);
        m.put("guest_port", guestPort);
        m.put("host_port", hostPort);
        m.put("mapping", mapping);
        m.put("protocol", protocol.wireName());
        m.put("transport", transport.wireName());
        return m;
    }
}
