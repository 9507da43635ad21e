package dev.smolvm.guest.agent;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The requests that make a guest its own machine (capabilities {@code identity} and
 * {@code identity.net}); see {@code docs/agent-protocol.md}.
 */
public final class IdentityRequests {
    private IdentityRequests() {
    }

    /** Sets the guest's clock to {@code now} and reseeds its kernel's random generator with {@code entropy}. */
    public static void refresh(AgentClient client, Instant now, byte[] entropy) {
        long ns = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        client.request(Wire.IDENTITY, Wire.IDENTITY_DONE, ByteBuffer.allocate(8 + entropy.length).putLong(ns)
                .put(entropy).array(), "waiting for the guest agent to take its new identity");
    }

    /**
     * A restored guest's own hostname and, on a TAP network ({@code cidr}, {@code gateway} and
     * {@code mac} all non-null), its address, default route and MAC. A null is left out of the
     * request (the agent refuses some of the three without the others).
     */
    public static void network(AgentClient client, String hostname, String cidr, String gateway, String mac) {
        Fields.Builder b = Fields.builder().string(Wire.F_HOSTNAME, hostname);
        if (mac != null) {
            b.string(Wire.F_MAC, mac);
        }
        if (cidr != null) {
            b.string(Wire.F_ADDR, cidr);
        }
        if (gateway != null) {
            b.string(Wire.F_GATEWAY, gateway);
        }
        client.request(Wire.NETID, Wire.NETID_DONE, b.build(),
                "waiting for the guest agent to take its hostname and address");
    }
}
