package dev.smolvm.network;

/** How a guest's NIC reaches the host. */
public enum NetworkMode {
    /** A TAP device and a routed /30: the guest has its own address the host can reach. Needs root. */
    TAP("tap"),
    /** QEMU user-mode networking: no privileges; SSH reaches the guest through a host port forward. */
    USER("user");

    private final String wireName;

    NetworkMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static NetworkMode fromWire(String s) {
        return "user".equals(s) ? USER : TAP;
    }
}
