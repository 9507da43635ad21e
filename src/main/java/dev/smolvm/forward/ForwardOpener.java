package dev.smolvm.forward;

import dev.smolvm.Home;
import dev.smolvm.host.HostPrivileges;
import dev.smolvm.SmolvmException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * Opens one forward through a transport: on the host port asked for, or on a free one. A port that
 * another of smolvm's forwards (or another process) holds is refused with a sentence naming the holder.
 * Callers hold the forwards lock.
 */
final class ForwardOpener {
    private static final int AUTO_ATTEMPTS = 10;

    private final Home home;
    private final NftablesTransport nftables;
    private final HostPrivileges privileges;

    ForwardOpener(Home home, NftablesTransport nftables, HostPrivileges privileges) {
        this.home = home;
        this.nftables = nftables;
        this.privileges = privileges;
    }

    Forward open(ForwardTarget target, Transport transport, PortMapping m) {
        return m.hostPort() != null ? openRequested(target, transport, m) : openAuto(target, transport, m);
    }

    private Forward openRequested(ForwardTarget target, Transport transport, PortMapping m) {
        int port = m.hostPort();
        String owner = forwardedBy(m.protocol(), port);
        if (owner != null) {
            throw SmolvmException.conflict("host port " + port + " is already forwarded to " + owner
                    + "; pick another port, or close that forward first.");
        }
        if (!HostPorts.free(m.protocol(), port)) {
            throw SmolvmException.conflict(takenMessage(m.protocol(), port));
        }
        try {
            Long pid = transport.open(target, m.protocol(), port, m.guestPort());
            return forward(target, transport, m, port, pid, true);
        } catch (SshTunnelTransport.PortTaken e) {
            throw SmolvmException.conflict(takenMessage(m.protocol(), port));
        }
    }

    private Forward openAuto(ForwardTarget target, Transport transport, PortMapping m) {
        for (int attempt = 0; attempt < AUTO_ATTEMPTS; attempt++) {
            int port = HostPorts.ephemeral(m.protocol());
            if (forwardedBy(m.protocol(), port) != null) {
                continue;
            }
            Long pid;
            try {
                pid = transport.open(target, m.protocol(), port, m.guestPort());
            } catch (SshTunnelTransport.PortTaken e) {
                continue; // another process took it between our check and ssh's bind: pick again
            }
            Forward f = forward(target, transport, m, port, pid, false);
            if (pid == null && !HostPorts.free(m.protocol(), port)) {
                transport.close(target.sandboxId(), f); // raced with a listener: do not shadow it
                continue;
            }
            return f;
        }
        throw SmolvmException.conflict("could not find a free host port after " + AUTO_ATTEMPTS + " tries.");
    }

    private static Forward forward(ForwardTarget target, Transport transport, PortMapping m, int hostPort, Long pid,
                                   boolean requested) {
        return new Forward(hostPort, m.guestPort(), m.protocol(), PortMapping.format(hostPort, m.guestPort(),
                m.protocol()), transport.kind(), target.guestIp(), pid, requested, Instant.now().toString());
    }

    private static String takenMessage(Protocol protocol, int port) {
        String holder = HostPorts.holder(protocol, port);
        return "host port " + port + " is already in use" + (holder != null ? " by " + holder : "")
                + "; pick another port, or give only the sandbox port to get a free one.";
    }

    /** "sandbox 'x' (8080:3000)" when one of smolvm's forwards on this host already uses the port. */
    private String forwardedBy(Protocol protocol, int port) {
        if (Files.isDirectory(home.forwards())) {
            try (Stream<Path> files = Files.list(home.forwards())) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                    List<Forward> fs;
                    try {
                        fs = new ForwardsFile(p).read();
                    } catch (SmolvmException corrupt) {
                        continue;
                    }
                    for (Forward f : fs) {
                        if (f.hostPort() == port && f.protocol() == protocol) {
                            String name = p.getFileName().toString().replaceFirst("\\.json$", "");
                            return "sandbox '" + name + "' (" + f.mapping() + ")";
                        }
                    }
                }
            } catch (IOException e) {
                throw SmolvmException.internal("cannot read " + home.forwards() + ": " + e.getMessage());
            }
        }
        if (TransportChoice.nftablesUsable(privileges) && nftables.hostPortsInUse(protocol).contains(port)) {
            return "another smolvm sandbox on this host";
        }
        return null;
    }
}
