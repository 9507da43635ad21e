package dev.smolvm.guest.agent;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Frames to bytes and back. Pure apart from the streams it is handed. */
public final class FrameCodec {
    private FrameCodec() {
    }

    public static byte[] encode(Frame f) {
        ByteBuffer b = ByteBuffer.allocate(4 + Wire.HEAD + f.payload().length);
        b.putInt(Wire.HEAD + f.payload().length).put((byte) f.type()).putInt(f.stream()).put(f.payload());
        return b.array();
    }

    public static void write(OutputStream out, Frame f) throws IOException {
        out.write(encode(f));
    }

    /**
     * Reads one frame; {@code null} at a clean end of stream (between frames). A length out of
     * range throws {@link AgentProtocolException} before anything more is read, so a peer sending
     * garbage costs at most a few bytes of memory; a stream that ends inside a frame throws
     * {@link EOFException}.
     */
    public static Frame read(InputStream in) throws IOException {
        byte[] head = new byte[4 + Wire.HEAD];
        int got = in.readNBytes(head, 0, 4);
        if (got == 0) {
            return null;
        }
        if (got < 4) {
            throw new EOFException("the channel ended inside a frame header");
        }
        long len = Integer.toUnsignedLong(ByteBuffer.wrap(head, 0, 4).getInt());
        if (len < Wire.HEAD || len > Wire.HEAD + (long) Wire.MAX_PAYLOAD) {
            throw new AgentProtocolException("a frame of " + len + " bytes is out of range (" + Wire.HEAD + " to "
                    + (Wire.HEAD + Wire.MAX_PAYLOAD) + ")");
        }
        if (in.readNBytes(head, 4, Wire.HEAD) < Wire.HEAD) {
            throw new EOFException("the channel ended inside a frame header");
        }
        int type = head[4] & 0xff;
        int stream = ByteBuffer.wrap(head, 5, 4).getInt();
        byte[] payload = in.readNBytes((int) len - Wire.HEAD);
        if (payload.length < len - Wire.HEAD) {
            throw new EOFException("the channel ended inside a frame");
        }
        return new Frame(type, stream, payload);
    }
}
