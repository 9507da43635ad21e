package dev.smolvm.forward;

import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.HostPrivileges;
import dev.smolvm.host.Trace;
import dev.smolvm.sandbox.Sandbox;
import dev.smolvm.sandbox.Sandboxes;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Port forwarding from 127.0.0.1 on the host to a sandbox port: {@code expose}, {@code close},
 * {@code list}, the same for every door. Forwards outlive the process that made them; every change
 * happens under one host-wide lock and is written to the sandbox's state file atomically.
 */
public final class PortForwards {
    private final Home home;
    private final Sandboxes sandboxes;
    private final TransportKind forcedTransport;
    private final HostPrivileges privileges;
    private final NftablesTransport nftables = new NftablesTransport();
    private final SshTunnelTransport sshTunnel = new SshTunnelTransport();
    private final ForwardOpener opener;
    private final ForwardsLifecycle lifecycle;

    /** {@code forcedTransport}: what SMOLVM_PORT_TRANSPORT forces, or null to choose per forward. */
    public PortForwards(Home home, Sandboxes sandboxes, TransportKind forcedTransport, HostPrivileges privileges) {
        this.home = home;
        this.sandboxes = sandboxes;
        this.forcedTransport = forcedTransport;
        this.privileges = privileges;
        this.opener = new ForwardOpener(home, nftables, privileges);
        this.lifecycle = new ForwardsLifecycle(this, sandboxes);
    }

    HostPrivileges privileges() {
        return privileges;
    }

    /** What the sandbox's VM ending or starting again does to its forwards; register it with {@link Sandboxes}. */
    public Sandboxes.LifecycleListener lifecycle() {
        return lifecycle;
    }

    /** What {@link #list} found: the live forwards, and the dead ones it pruned. */
    public record Listing(Sandbox sandbox, List<Forward> forwards, List<Forward> pruned) {
    }

    /** Forwards a port as written by the user: {@code 8080:3000}, {@code 3000}, {@code 5353:53/udp}. */
    public Forward expose(String ref, String mapping, ChannelOptions options) {
        return expose(ref, PortMapping.parse(mapping), options);
    }

    public Forward expose(String ref, PortMapping mapping, ChannelOptions options) {
        ChannelOptions opts = options.validated();
        Sandbox sb = sandboxes.running(ref);
        Transport transport = transport(TransportChoice.choose(forcedTransport, sb.networkMode(), privileges));
        try (FileLock ignored = lock()) {
            ForwardsFile file = file(sb);
            List<Forward> current = new ArrayList<>(live(sb, file.read()));
            Forward made = opener.open(target(sb, opts), transport, mapping);
            current.add(made);
            file.write(sb.name(), sb.id(), current);
            return made;
        }
    }

    /** Closes the forward written as {@code host-port:sandbox-port} (both needed, as {@code port close} takes it). */
    public Forward close(String ref, String mapping, ChannelOptions options) {
        PortMapping m = PortMapping.parse(mapping);
        options.validated();
        Sandbox sb = sandboxes.get(ref);
        if (m.hostPort() == null) {
            throw SmolvmException.invalid("port close needs both ports, as host-port:sandbox-port")
                    .hint("see 'smolvm port list " + sb.name() + "'", "GET /sandboxes/" + sb.id() + "/ports lists them");
        }
        return close(sb, f -> f.hostPort() == m.hostPort() && f.guestPort() == m.guestPort()
                && f.protocol() == m.protocol(), "no forward " + m.text() + " on sandbox '" + sb.name() + "'");
    }

    /** Closes the forward on a host port; only one forward can hold a (host port, protocol). */
    public Forward close(String ref, int hostPort, Protocol protocol) {
        Sandbox sb = sandboxes.get(ref);
        return close(sb, f -> f.hostPort() == hostPort && f.protocol() == protocol,
                "no " + protocol.wireName() + " forward on host port " + hostPort + " for sandbox '" + sb.name() + "'");
    }

    private Forward close(Sandbox sb, Predicate<Forward> which, String notFound) {
        try (FileLock ignored = lock()) {
            ForwardsFile file = file(sb);
            List<Forward> current = new ArrayList<>(file.read());
            Forward found = current.stream().filter(which).findFirst()
                    .orElseThrow(() -> SmolvmException.notFound(notFound).hint("see 'smolvm port list " + sb.name()
                            + "'", "GET /sandboxes/" + sb.id() + "/ports lists them"));
            transport(found.transport()).close(sb.id(), found);
            current.remove(found);
            file.write(sb.name(), sb.id(), current);
            return found;
        }
    }

    /** The sandbox's forwards after checking each one; dead ones are removed from the state file. */
    public Listing list(String ref) {
        Sandbox sb = sandboxes.get(ref);
        Trace.mark("ports: sandbox found");
        try (FileLock ignored = lock()) {
            ForwardsFile file = file(sb);
            List<Forward> all = file.read();
            Trace.mark("ports: state file read");
            List<Forward> alive = live(sb, all);
            Trace.mark("ports: forwards checked");
            List<Forward> pruned = all.stream().filter(f -> !alive.contains(f)).toList();
            if (!pruned.isEmpty()) {
                file.write(sb.name(), sb.id(), alive);
            }
            return new Listing(sb, alive, pruned);
        }
    }

    private List<Forward> live(Sandbox sb, List<Forward> forwards) {
        if (!sb.up()) {
            return List.of();
        }
        boolean anyNft = forwards.stream().anyMatch(f -> f.transport() == TransportKind.NFTABLES);
        String nftListing = anyNft ? nftables.listing() : "";
        return forwards.stream().filter(f -> f.transport() == TransportKind.NFTABLES
                ? nftables.alive(nftListing, sb.id(), f)
                : sshTunnel.alive(sb.id(), f)).toList();
    }

    Transport transport(TransportKind kind) {
        return kind == TransportKind.NFTABLES ? nftables : sshTunnel;
    }

    private ForwardTarget target(Sandbox sb, ChannelOptions opts) {
        var ssh = sandboxes.sshTarget(sb.id(), opts.sshUser(), opts.sshKey()).withoutMaster();
        return new ForwardTarget(sb.id(), sb.name(), sb.guestIp(), ssh, sandboxes.dirOf(sb));
    }

    ForwardsFile file(Sandbox sb) {
        return new ForwardsFile(home.forwards().resolve(sb.name() + ".json"));
    }

    FileLock lock() {
        return FileLock.acquire(home.forwards().resolve(".lock"));
    }
}
