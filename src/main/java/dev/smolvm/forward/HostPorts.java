package dev.smolvm.forward;

import dev.smolvm.host.Cmd;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Which host ports are free on 127.0.0.1, and who holds a taken one. */
public final class HostPorts {
    private static final Pattern USER = Pattern.compile("users:\\(\\(\"([^\"]+)\",pid=(\\d+)");

    private HostPorts() {
    }

    /** Whether a socket could bind 127.0.0.1:{@code port} right now (a listener on 0.0.0.0 counts as taken). */
    public static boolean free(Protocol protocol, int port) {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try {
            if (protocol == Protocol.UDP) {
                try (DatagramSocket s = new DatagramSocket(null)) {
                    s.bind(new InetSocketAddress(lo, port));
                }
            } else {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true); // TIME_WAIT leftovers do not make a port taken
                    s.bind(new InetSocketAddress(lo, port), 1);
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port the kernel considers free now. */
    public static int ephemeral(Protocol protocol) {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try {
            if (protocol == Protocol.UDP) {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(lo, 0))) {
                    return s.getLocalPort();
                }
            }
            try (ServerSocket s = new ServerSocket(0, 1, lo)) {
                return s.getLocalPort();
            }
        } catch (IOException e) {
            throw new IllegalStateException("no free port: " + e.getMessage(), e);
        }
    }

    /** "python3 (pid 1234)" for the process holding the port, or null when ss cannot tell. */
    public static String holder(Protocol protocol, int port) {
        var r = Cmd.of("ss", "-H", protocol == Protocol.UDP ? "-lunp" : "-ltnp", "sport = :" + port).run();
        return r.ok() ? parseHolder(r.stdout()) : null;
    }

    static String parseHolder(String ssOutput) {
        Matcher m = USER.matcher(ssOutput);
        return m.find() ? m.group(1) + " (pid " + m.group(2) + ")" : null;
    }
}
