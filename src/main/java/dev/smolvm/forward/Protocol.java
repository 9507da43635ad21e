package dev.smolvm.forward;

import dev.smolvm.WireName;

/** Transport-layer protocol of a forward. */
public enum Protocol implements WireName {
    TCP, UDP;

    @Override
    public String toString() {
        return wireName();
    }

    public static Protocol fromWire(String s) {
        return WireName.parse(Protocol.class, s, "protocol");
    }
}
