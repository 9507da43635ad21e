package dev.smolvm.forward;

/** Transport-layer protocol of a forward. */
public enum Protocol {
    TCP("tcp"), UDP("udp");

    private final String wireName;

    Protocol(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Protocol fromWire(String s) {
        return "udp".equals(s) ? UDP : TCP;
    }
}
