package dev.smolvm.forward;

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
}
