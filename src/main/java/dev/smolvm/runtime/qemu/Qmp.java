package dev.smolvm.runtime.qemu;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A minimal QEMU Machine Protocol client: quit, stop, cont, migrate and their answers. */
public final class Qmp {
    private Qmp() {
    }

    /** Sends one command (e.g. {@code quit}) after the capabilities handshake; false if the socket is gone. */
    public static boolean send(Path socket, String command) {
        try {
            execute(socket, "{\"execute\":\"" + command + "\"}");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Sends one command (a whole JSON object, e.g. {@code {"execute":"stop"}}) and returns QEMU's
     * answer line ({@code {"return": ...}} or {@code {"error": ...}}); asynchronous events that
     * arrive in between are skipped.
     */
    public static String execute(Path socket, String commandJson) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            var in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            in.readLine(); // greeting
            write(ch, "{\"execute\":\"qmp_capabilities\"}\n");
            answer(in);
            write(ch, commandJson + "\n");
            return answer(in);
        }
    }

    private static String answer(BufferedReader in) throws IOException {
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("QEMU closed its QMP socket without an answer");
            }
            if (line.startsWith("{\"return\"") || line.startsWith("{\"error\"")) { // events start with "timestamp"
                return line;
            }
        }
    }

    private static void write(SocketChannel ch, String line) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
