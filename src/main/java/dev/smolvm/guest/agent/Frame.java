package dev.smolvm.guest.agent;

import java.util.HexFormat;

/** One frame of the agent protocol: a type, the stream it belongs to (0: the connection) and its payload. */
public record Frame(int type, int stream, byte[] payload) {
    public Frame {
        if (type < 0 || type > 0xff) {
            throw new IllegalArgumentException("frame type out of range: " + type);
        }
        if (payload.length > Wire.MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes is over the limit");
        }
    }

    public Frame(int type, int stream) {
        this(type, stream, new byte[0]);
    }

    public Fields fields() {
        return Fields.parse(payload);
    }

    @Override
    public String toString() {
        return "Frame[type=0x" + HexFormat.of().toHexDigits((byte) type) + ", stream=" + Integer.toUnsignedString(stream)
                + ", " + payload.length + " bytes]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Frame f && f.type == type && f.stream == stream && java.util.Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * type + stream) + java.util.Arrays.hashCode(payload);
    }
}
