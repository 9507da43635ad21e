package dev.smolvm.network;

import dev.smolvm.SmolvmException;
import dev.smolvm.WireName;

/** How a guest's NIC reaches the host. */
public enum NetworkMode implements WireName {
    /** A TAP device and a routed /30: the guest has its own address the host can reach. Needs root. */
    TAP,
    /** QEMU user-mode networking: no privileges; SSH reaches the guest through a host port forward. */
    USER;

    @Override
    public String toString() {
        return wireName();
    }

    public static NetworkMode fromWire(String s) {
        return WireName.parse(NetworkMode.class, s, "network mode");
    }

    /**
     * The mode {@code SMOLVM_NETWORK} forces, or null when it is unset or empty (smolvm chooses).
     * Any other value is refused with a sentence rather than silently ignored.
     */
    public static NetworkMode forcedBy(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        return WireName.find(NetworkMode.class, value).orElseThrow(() -> SmolvmException.invalid(
                "SMOLVM_NETWORK must be tap or user, not '" + value + "'; unset it to let smolvm choose."));
    }
}
