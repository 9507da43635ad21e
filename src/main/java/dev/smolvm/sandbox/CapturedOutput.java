package dev.smolvm.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures a command's output stream up to a limit, so one chatty guest command cannot exhaust
 * the host's memory. Past the limit the bytes are dropped and {@link #truncated()} says so; the
 * doors report it as {@code truncated: true} next to the output.
 */
public final class CapturedOutput extends OutputStream {
    /** How much of each stream (stdout, stderr) a captured exec keeps: 8 MiB. */
    public static final int DEFAULT_LIMIT = 8 << 20;

    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final int limit;
    private long seen;

    public CapturedOutput() {
        this(DEFAULT_LIMIT);
    }

    public CapturedOutput(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit < 0");
        }
        this.limit = limit;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        seen += len;
        int room = limit - buf.size();
        buf.write(b, off, Math.max(0, Math.min(len, room)));
    }

    /** The kept bytes as UTF-8 text (a character cut at the limit becomes U+FFFD). */
    public synchronized String text() {
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** True when the command wrote more than the limit and the rest was dropped. */
    public synchronized boolean truncated() {
        return seen > limit;
    }

    /** How many bytes the command wrote in all, kept or not. */
    public synchronized long bytesWritten() {
        return seen;
    }
}
