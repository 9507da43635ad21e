package dev.smolvm.forward;

import dev.smolvm.WireName;

/** The host-to-guest control channel a port command may ask for ({@code --comm-channel}); unset is auto. */
public enum CommChannel implements WireName {
    SSH, VSOCK;

    @Override
    public String toString() {
        return wireName();
    }

    public static CommChannel parse(String s) {
        return WireName.parse(CommChannel.class, s, "control channel");
    }
}
