package dev.smolvm.guest;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Watches a guest's serial log for a line, reading only what was appended since the last look. */
public final class ConsoleWatch {
    private final Path log;
    private final String marker;
    private long offset;
    private String carry = "";
    private boolean seen;

    public ConsoleWatch(Path log, String marker) {
        this.log = log;
        this.marker = marker;
    }

    public boolean seen() {
        if (seen) {
            return true;
        }
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long length = f.length();
            if (length > offset) {
                byte[] buf = new byte[(int) Math.min(length - offset, 1 << 20)];
                f.seek(offset);
                f.readFully(buf);
                offset += buf.length;
                String text = carry + new String(buf, StandardCharsets.UTF_8);
                seen = text.contains(marker);
                carry = text.substring(Math.max(0, text.length() - marker.length()));
            }
        } catch (IOException e) {
            return false; // not written yet
        }
        return seen;
    }
}
