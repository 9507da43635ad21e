package dev.smolvm.forward;

import dev.smolvm.SmolvmException;
import dev.smolvm.WireName;

/** How a forward is made, as the Transport column and the state file name it. */
public enum TransportKind implements WireName {
    /** Kernel NAT: needs a routable guest and root. */
    NFTABLES,
    /** A detached SSH tunnel: works wherever SSH reaches the guest; TCP only. */
    SSH_TUNNEL;

    @Override
    public String toString() {
        return wireName();
    }

    /** The transport {@code SMOLVM_PORT_TRANSPORT} forces, or null when it is unset or blank (chosen per forward). */
    public static TransportKind forcedBy(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return WireName.find(TransportKind.class, value).orElseThrow(() -> SmolvmException.invalid(
                "SMOLVM_PORT_TRANSPORT must be nftables or ssh_tunnel, not '" + value + "'."));
    }
}
