package dev.smolvm.forward;

import dev.smolvm.SmolvmException;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.HostPrivileges;

/**
 * Picks the transport: nftables when the guest is routable (TAP networking) and this process may
 * change the ruleset, an SSH tunnel otherwise. {@code SMOLVM_PORT_TRANSPORT} overrides it (for
 * tests and benchmarks). Pure apart from the capability probe (root, from {@link HostPrivileges}, and nft).
 */
public final class TransportChoice {
    private TransportChoice() {
    }

    public static TransportKind choose(TransportKind forced, NetworkMode networkMode, HostPrivileges privileges) {
        if (forced != null) {
            if (forced == TransportKind.NFTABLES && networkMode != NetworkMode.TAP) {
                throw SmolvmException.unavailable("the nftables transport needs a routable guest (TAP networking); "
                        + "this sandbox uses user-mode networking.");
            }
            return forced;
        }
        return networkMode == NetworkMode.TAP && nftablesUsable(privileges) ? TransportKind.NFTABLES : TransportKind.SSH_TUNNEL;
    }

    static boolean nftablesUsable(HostPrivileges privileges) {
        return privileges.root() && Cmd.onPath("nft");
    }
}
