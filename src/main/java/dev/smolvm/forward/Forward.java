package dev.smolvm.forward;

/**
 * One active forward, as kept in {@code ~/.smolvm/forwards/<sandbox>.json}. {@code pid} is the
 * tunnel process for {@code ssh_tunnel}; {@code requestedHostPort} says the user named the host port
 * (such forwards come back when a stopped sandbox starts again).
 */
public record Forward(int hostPort, int guestPort, Protocol protocol, String mapping, TransportKind transport,
                      String guestIp, Long pid, boolean requestedHostPort, String createdAt) {

    /** {@code /udp} after a UDP port as people read it, nothing for TCP. */
    public String suffix() {
        return protocol == Protocol.UDP ? "/udp" : "";
    }
}
