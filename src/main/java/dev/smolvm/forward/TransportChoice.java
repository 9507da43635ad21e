package dev.smolvm.forward;

import dev.smolvm.SmolvmException;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.host.Cmd;

/**
 * Picks the transport: nftables when the guest is routable (TAP networking) and this process may
 * change the ruleset, an SSH tunnel otherwise. {@code SMOLVM_PORT_TRANSPORT} overrides it (for
 * tests and benchmarks). Pure apart from the capability probe.
 */
public final class TransportChoice {
    private TransportChoice() {
    }

    public static TransportKind choose(String forced, NetworkMode networkMode) {
        if (forced != null && !forced.isBlank()) {
            TransportKind kind = java.util.Arrays.stream(TransportKind.values())
                    .filter(k -> k.wireName().equals(forced)).findFirst()
                    .orElseThrow(() -> SmolvmException.invalid("SMOLVM_PORT_TRANSPORT must be nftables or ssh_tunnel, "
                            + "not '" + forced + "'."));
            if (kind == TransportKind.NFTABLES && networkMode != NetworkMode.TAP) {
                throw SmolvmException.unavailable("the nftables transport needs a routable guest (TAP networking); "
                        + "this sandbox uses user-mode networking.");
            }
            return kind;
        }
        return networkMode == NetworkMode.TAP && nftablesUsable() ? TransportKind.NFTABLES : TransportKind.SSH_TUNNEL;
    }

    static boolean nftablesUsable() {
        return "root".equals(System.getProperty("user.name")) && Cmd.onPath("nft");
    }
}
