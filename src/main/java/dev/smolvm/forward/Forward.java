package dev.smolvm.forward;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One active forward, as kept in {@code ~/.smolvm/forwards/<sandbox>.json}. {@code pid} is the
 * tunnel process for {@code ssh_tunnel}; {@code requestedHostPort} says the user named the host port
 * (such forwards come back when a stopped sandbox starts again).
 */
public record Forward(
        @JsonProperty("host_port") int hostPort,
        @JsonProperty("guest_port") int guestPort,
        @JsonProperty("protocol") String protocol,
        @JsonProperty("mapping") String mapping,
        @JsonProperty("transport") String transport,
        @JsonProperty("guest_ip") String guestIp,
        @JsonProperty("pid") Long pid,
        @JsonProperty("requested_host_port") boolean requestedHostPort,
        @JsonProperty("created_at") String createdAt) {

    @JsonIgnore
    public Protocol proto() {
        return Protocol.fromWire(protocol);
    }
}
