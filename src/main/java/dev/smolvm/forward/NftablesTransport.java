package dev.smolvm.forward;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Kernel NAT with nftables: no process per forward, lowest overhead. Needs a routable guest and root. */
public final class NftablesTransport implements Transport {
    @Override
    public TransportKind kind() {
        return TransportKind.NFTABLES;
    }

    @Override
    public Long open(ForwardTarget target, Protocol protocol, int hostPort, int guestPort) {
        ensureTable();
        var r = Cmd.of("nft", "-f", "-")
                .withStdin(NftForwardRules.add(target.sandboxId(), protocol, hostPort, target.guestIp(), guestPort))
                .run();
        if (!r.ok()) {
            throw SmolvmException.internal("could not add the nftables forward: " + r.stderr().strip());
        }
        return null;
    }

    @Override
    public void close(String sandboxId, Forward f) {
        String listing = listing();
        List<NftForwardRules.RuleRef> refs = NftForwardRules.find(listing, NftForwardRules.tag(sandboxId, f.protocol(), f.hostPort()));
        if (!refs.isEmpty()) {
            Cmd.of("nft", "-f", "-").withStdin(NftForwardRules.delete(refs)).run();
        }
        if (NftForwardRules.ruleCount(listing()) == 0) {
            Cmd.of("nft", "delete", "table", "ip", NftForwardRules.TABLE).run();
        }
    }

    @Override
    public boolean alive(String sandboxId, Forward f) {
        return alive(listing(), sandboxId, f);
    }

    /** The same check against a listing already taken (one {@code nft} call for many forwards). */
    public boolean alive(String listing, String sandboxId, Forward f) {
        return NftForwardRules.find(listing, NftForwardRules.tag(sandboxId, f.protocol(), f.hostPort())).size() == 2;
    }

    /** Host ports already DNATed by any smolvm forward on this host. */
    public List<Integer> hostPortsInUse(Protocol protocol) {
        return NftForwardRules.hostPortsInUse(listing(), protocol);
    }

    /** The table as JSON ({@code nft -j}), or empty when it does not exist. */
    public String listing() {
        var r = Cmd.of("nft", "-j", "list", "table", "ip", NftForwardRules.TABLE).run();
        return r.ok() ? r.stdout() : "";
    }

    private static void ensureTable() {
        // Packets from 127.0.0.1 may only leave through a non-loopback device with route_localnet.
        for (String dev : new String[] {"all", "lo"}) {
            try {
                Files.writeString(Path.of("/proc/sys/net/ipv4/conf", dev, "route_localnet"), "1");
            } catch (IOException e) {
                throw SmolvmException.unavailable("cannot enable route_localnet (" + e.getMessage()
                        + "); nftables forwards need root.");
            }
        }
        if (!Cmd.of("nft", "list", "table", "ip", NftForwardRules.TABLE).run().ok()) {
            var r = Cmd.of("nft", "-f", "-").withStdin(NftForwardRules.table()).run();
            if (!r.ok()) {
                throw SmolvmException.internal("could not create the nftables table " + NftForwardRules.TABLE + ": "
                        + r.stderr().strip());
            }
        }
    }
}
