package dev.smolvm.sandbox;

import dev.smolvm.guest.AgentChannel;
import dev.smolvm.guest.agent.IdentityRequests;
import dev.smolvm.guest.ShellWords;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * What makes a guest its own machine. At boot the network and hostname come on the kernel command
 * line, and the agent is sent the host's clock and fresh entropy ({@link #pushClock}). A restored
 * guest is a copy: the same clock (the snapshot's moment), random generator state, address, MAC and
 * hostname as its source; {@link #take} sends clock and entropy (the agent reseeds the kernel's
 * generator) and runs {@link #script}, which gives it this sandbox's hostname and, on a TAP network,
 * address, gateway and MAC, with the busybox every smolvm image carries.
 */
final class GuestIdentity {
    static final String BUSYBOX = "/usr/lib/smolvm/busybox";

    private GuestIdentity() {
    }

    static void take(AgentChannel agent, BooleanSupplier vmAlive, String hostname, String cidr, String gateway,
                     String mac) {
        try (var client = agent.connect(vmAlive)) {
            dev.smolvm.host.Trace.mark("identity: connected");
            IdentityRequests.refresh(client, Instant.now(), entropy());
            dev.smolvm.host.Trace.mark("identity: clock and entropy");
            if (client.hello().can("identity.net")) { // a few system calls in the agent, no process
                IdentityRequests.network(client, hostname, cidr, gateway, mac);
            } else {
                agent.run(client, script(hostname, cidr, gateway, mac), Duration.ofSeconds(30));
            }
        }
    }

    static void pushClock(AgentChannel agent, BooleanSupplier vmAlive) {
        try (var client = agent.connect(vmAlive)) {
            if (client.hello().can("identity")) { // an image from before the request boots as it did
                IdentityRequests.refresh(client, Instant.now(), entropy());
            }
        }
    }

    private static byte[] entropy() {
        byte[] bytes = new byte[64];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** Pure. {@code cidr}, {@code gateway} and {@code mac} are null on a user-mode network (nothing to change). */
    static String script(String hostname, String cidr, String gateway, String mac) {
        String h = ShellWords.quote(hostname);
        StringBuilder s = new StringBuilder("set -e; B=" + BUSYBOX + "; ")
                .append("$B hostname ").append(h).append("; echo ").append(h).append(" > /etc/hostname; ");
        if (cidr != null) {
            s.append("dev=; for d in /sys/class/net/*; do d=${d##*/}; [ \"$d\" = lo ] || { dev=$d; break; }; done; ")
                    .append("[ -n \"$dev\" ]; ")
                    .append("$B ip link set \"$dev\" down; ")
                    .append("$B ip link set \"$dev\" address ").append(ShellWords.quote(mac)).append("; ")
                    .append("$B ip addr flush dev \"$dev\"; ")
                    .append("$B ip addr add ").append(ShellWords.quote(cidr)).append(" dev \"$dev\"; ")
                    .append("$B ip link set \"$dev\" up; ")
                    .append("$B ip route replace default via ").append(ShellWords.quote(gateway)).append("; ");
        }
        return s.append("true").toString();
    }
}
