package dev.smolvm.forward;

import dev.smolvm.SmolvmException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mapping as the user writes it: {@code 8080:3000}, {@code 3000} (any free host port), or with a
 * protocol, {@code 5353:53/udp}. Pure.
 */
public record PortMapping(Integer hostPort, int guestPort, Protocol protocol) {
    private static final Pattern SYNTAX = Pattern.compile("(?:(\\d+):)?(\\d+)(?:/([A-Za-z]+))?");

    /** A mapping from typed parts (the HTTP API's fields); ports are checked as {@link #parse} checks them. */
    public PortMapping {
        if (hostPort != null) {
            port(hostPort.toString(), "host");
        }
        port(Integer.toString(guestPort), "sandbox");
        if (protocol == null) {
            protocol = Protocol.TCP;
        }
    }

    public static PortMapping parse(String text) {
        if (text == null || text.isBlank()) {
            throw SmolvmException.invalid("no port mapping given: use host-port:sandbox-port (e.g. 8080:3000) "
                    + "or sandbox-port (e.g. 3000).");
        }
        Matcher m = SYNTAX.matcher(text.strip());
        if (!m.matches()) {
            throw SmolvmException.invalid("invalid port mapping '" + text + "': use host-port:sandbox-port "
                    + "(e.g. 8080:3000) or sandbox-port (e.g. 3000).");
        }
        Protocol protocol = Protocol.TCP;
        if (m.group(3) != null) {
            String p = m.group(3).toLowerCase();
            if (!p.equals("tcp") && !p.equals("udp")) {
                throw SmolvmException.invalid("unknown protocol '" + m.group(3) + "' in '" + text + "': use tcp or udp.");
            }
            protocol = Protocol.fromWire(p);
        }
        Integer host = m.group(1) == null ? null : port(m.group(1), "host");
        return new PortMapping(host, port(m.group(2), "sandbox"), protocol);
    }

    private static int port(String digits, String which) {
        String significant = digits.replaceFirst("^0+(?=\\d)", "");
        long n = significant.length() > 6 ? Long.MAX_VALUE : Long.parseLong(significant);
        if (n < 1 || n > 65535) {
            throw SmolvmException.invalid(which + " port " + digits + " is out of range: ports are 1-65535.");
        }
        return (int) n;
    }

    /** The mapping as the user would write it: {@code 8080:3000}, {@code 3000}, {@code 5353:53/udp}. */
    public String text() {
        return hostPort == null ? guestPort + (protocol == Protocol.UDP ? "/udp" : "")
                : format(hostPort, guestPort, protocol);
    }

    /** The canonical text, as {@code port close} takes it back: {@code 8080:3000} or {@code 5353:53/udp}. */
    public static String format(int hostPort, int guestPort, Protocol protocol) {
        return hostPort + ":" + guestPort + (protocol == Protocol.UDP ? "/udp" : "");
    }
}
