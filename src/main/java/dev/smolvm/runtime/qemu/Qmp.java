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

/** A minimal QEMU Machine Protocol client: enough to ask a VM to quit. */
public final class Qmp {
    private Qmp() {
    }

    /** Sends one command (e.g. {@code quit}) after the capabilities handshake; false if the socket is gone. */
    public static boolean send(Path socket, String command) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            var in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            in.readLine(); // greeting
            write(ch, "{\"execute\":\"qmp_capabilities\"}\n");
            in.readLine();
            write(ch, "{\"execute\":\"" + command + "\"}\n");
            in.readLine();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void write(SocketChannel ch, String line) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
