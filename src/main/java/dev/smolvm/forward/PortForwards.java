package dev.smolvm.forward;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.Progress;
import dev.smolvm.host.Trace;
import dev.smolvm.sandbox.Sandbox;
import dev.smolvm.sandbox.Sandboxes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Port forwarding from 127.0.0.1 on the host to a sandbox port: {@code expose}, {@code close},
 * {@code list}. Forwards outlive the process that made them; every change happens under one
 * host-wide lock and is written to the sandbox's state file atomically.
 */
public final class PortForwards implements Sandboxes.LifecycleListener {
    private static final int AUTO_ATTEMPTS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Home home;
    private final Sandboxes sandboxes;
    private final String forcedTransport;
    private final NftablesTransport nftables = new NftablesTransport();
    private final SshTunnelTransport sshTunnel = new SshTunnelTransport();

    public PortForwards(Home home, Sandboxes sandboxes, Map<String, String> env) {
        this.home = home;
        this.sandboxes = sandboxes;
        this.forcedTransport = env.get("SMOLVM_PORT_TRANSPORT");
    }

    /** What {@link #list} found: the live forwards, and the dead ones it pruned. */
    public record Listing(Sandbox sandbox, List<Forward> forwards, List<Forward> pruned) {
    }

    public Forward expose(String ref, String mapping, ChannelOptions options) {
        PortMapping m = PortMapping.parse(mapping);
        ChannelOptions opts = options.validated();
        Sandbox sb = sandboxes.running(ref);
        Transport transport = transportFor(sb);
        try (FileLock ignored = lock()) {
            ForwardsFile file = file(sb);
            List<Forward> current = new ArrayList<>(live(sb, file.read()));
            ForwardTarget target = target(sb, opts);
            Forward made = m.hostPort() != null
                    ? openRequested(target, transport, m)
                    : openAuto(target, transport, m);
            current.add(made);
            file.write(sb.name(), sb.id(), current);
            return made;
        }
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
        return new Forward(hostPort, m.guestPort(), m.protocol().wireName(),
                PortMapping.format(hostPort, m.guestPort(), m.protocol()), transport.name(), target.guestIp(), pid,
                requested, Instant.now().toString());
    }

    private static String takenMessage(Protocol protocol, int port) {
        String holder = HostPorts.holder(protocol, port);
        return "host port " + port + " is already in use" + (holder != null ? " by " + holder : "")
                + "; pick another port, or give only the sandbox port to get a free one.";
    }

    public Forward close(String ref, String mapping, ChannelOptions options) {
        PortMapping m = PortMapping.parse(mapping);
        options.validated();
        Sandbox sb = sandboxes.get(ref);
        if (m.hostPort() == null) {
            throw SmolvmException.invalid("port close needs both ports, as host-port:sandbox-port")
                    .hint("see 'smolvm port list " + sb.name() + "'", "GET /sandboxes/" + sb.id() + "/ports lists them");
        }
        try (FileLock ignored = lock()) {
            ForwardsFile file = file(sb);
            List<Forward> current = new ArrayList<>(file.read());
            Forward found = current.stream()
                    .filter(f -> f.hostPort() == m.hostPort() && f.guestPort() == m.guestPort()
                            && f.proto() == m.protocol())
                    .findFirst()
                    .orElseThrow(() -> SmolvmException.notFound("no forward " + PortMapping.format(m.hostPort(),
                            m.guestPort(), m.protocol()) + " on sandbox '" + sb.name() + "'")
                            .hint("see 'smolvm port list " + sb.name() + "'", "GET /sandboxes/" + sb.id()
                                    + "/ports lists them"));
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

    // ---- lifecycle ----------------------------------------------------------------------------

    /** The VM ended: every forward goes (rules, tunnels, file); requested ones are kept for the next start. */
    @Override
    public void released(Sandbox sb, boolean deleted) {
        try (FileLock ignored = lock()) {
            ForwardsFile file = file(sb);
            List<Forward> current;
            boolean readable = true;
            try {
                current = file.read();
            } catch (SmolvmException corrupt) {
                current = List.of(); // never remove a file we cannot read; still remove our rules below
                readable = false;
            }
            for (Forward f : current) {
                transport(f.transport()).close(sb.id(), f);
            }
            sweepRules(sb.id());
            List<Forward> keep = current.stream().filter(Forward::requestedHostPort).toList();
            if (!deleted && !keep.isEmpty() && Files.isDirectory(sandboxes.dirOf(sb))) {
                writeRestoreList(sb, keep);
            }
            if (readable) {
                file.delete();
            }
        }
    }

    /** The sandbox booted again: bring back the forwards whose host port the user had chosen. */
    @Override
    public void started(Sandbox sb, Progress progress) {
        Path restore = restoreFile(sb);
        if (!Files.exists(restore)) {
            return;
        }
        List<Forward> wanted;
        try {
            wanted = JSON.readValue(restore.toFile(), new TypeReference<List<Forward>>() { });
            Files.deleteIfExists(restore);
        } catch (IOException e) {
            progress.step("Could not read the forwards to restore (" + restore + "): " + e.getMessage());
            return;
        }
        for (Forward f : wanted) {
            String mapping = PortMapping.format(f.hostPort(), f.guestPort(), f.proto());
            try {
                expose(sb.id(), mapping, ChannelOptions.DEFAULTS);
                progress.step("Restored forward localhost:" + f.hostPort() + " → guest:" + f.guestPort());
            } catch (SmolvmException e) {
                progress.step("Could not restore forward " + mapping + ": " + e.getMessage());
            }
        }
    }

    // ---- internals ----------------------------------------------------------------------------

    private List<Forward> live(Sandbox sb, List<Forward> forwards) {
        if (!sb.up()) {
            return List.of();
        }
        boolean anyNft = forwards.stream().anyMatch(f -> f.transport().equals(nftables.name()));
        String nftListing = anyNft ? nftables.listing() : "";
        return forwards.stream().filter(f -> f.transport().equals(nftables.name())
                ? nftables.alive(nftListing, sb.id(), f)
                : sshTunnel.alive(sb.id(), f)).toList();
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
                        if (f.hostPort() == port && f.proto() == protocol) {
                            String name = p.getFileName().toString().replaceFirst("\\.json$", "");
                            return "sandbox '" + name + "' (" + f.mapping() + ")";
                        }
                    }
                }
            } catch (IOException e) {
                throw SmolvmException.internal("cannot read " + home.forwards() + ": " + e.getMessage());
            }
        }
        if (TransportChoice.nftablesUsable() && nftables.hostPortsInUse(protocol).contains(port)) {
            return "another smolvm sandbox on this host";
        }
        return null;
    }

    private void sweepRules(String sandboxId) {
        if (!TransportChoice.nftablesUsable()) {
            return;
        }
        var listing = Cmd.of("nft", "-j", "list", "table", "ip", NftForwardRules.TABLE).run();
        if (!listing.ok()) {
            return;
        }
        Set<NftForwardRules.RuleRef> refs = new HashSet<>();
        for (Protocol p : Protocol.values()) {
            for (int port : NftForwardRules.hostPortsInUse(listing.stdout(), p)) {
                refs.addAll(NftForwardRules.find(listing.stdout(), NftForwardRules.tag(sandboxId, p, port)));
            }
        }
        if (!refs.isEmpty()) {
            Cmd.of("nft", "-f", "-").withStdin(NftForwardRules.delete(new ArrayList<>(refs))).run();
        }
    }

    private Transport transportFor(Sandbox sb) {
        String name = TransportChoice.choose(forcedTransport, sb.networkMode());
        return transport(name);
    }

    private Transport transport(String name) {
        return "nftables".equals(name) ? nftables : sshTunnel;
    }

    private ForwardTarget target(Sandbox sb, ChannelOptions opts) {
        var ssh = sandboxes.sshTarget(sb.id(), opts.sshUser(), opts.sshKey()).withoutMaster();
        return new ForwardTarget(sb.id(), sb.name(), sb.guestIp(), ssh, sandboxes.dirOf(sb));
    }

    private ForwardsFile file(Sandbox sb) {
        return new ForwardsFile(home.forwards().resolve(sb.name() + ".json"));
    }

    private Path restoreFile(Sandbox sb) {
        return sandboxes.dirOf(sb).resolve("forwards-to-restore.json");
    }

    private void writeRestoreList(Sandbox sb, List<Forward> keep) {
        try {
            JSON.writeValue(restoreFile(sb).toFile(), keep);
        } catch (IOException e) {
            // losing the restore list only means the forwards do not come back by themselves
        }
    }

    private FileLock lock() {
        return FileLock.acquire(home.forwards().resolve(".lock"));
    }
}
