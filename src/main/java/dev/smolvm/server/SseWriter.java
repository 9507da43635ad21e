package dev.smolvm.server;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Writes Server-Sent Events; each output chunk becomes one event whose data is a JSON string. */
final class SseWriter {
    private final OutputStream out;

    SseWriter(OutputStream out) {
        this.out = out;
    }

    synchronized void event(String name, String data) {
        try {
            out.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the client went away
        }
    }

    /** An OutputStream whose every write becomes one {@code name} event. */
    OutputStream stream(String name) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                try {
                    event(name, Bodies.JSON.writeValueAsString(new String(b, off, len, StandardCharsets.UTF_8)));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }
}
