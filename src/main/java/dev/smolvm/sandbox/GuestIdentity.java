package dev.smolvm.sandbox;

import dev.smolvm.guest.ShellWords;

/**
 * The script that gives a restored guest this sandbox's hostname and, on a TAP network, its
 * address, gateway and MAC (the snapshot carried its source's). It uses the busybox every smolvm
 * image carries, so it needs nothing of the image. Pure: the values are quoted into it.
 */
final class GuestIdentity {
    static final String BUSYBOX = "/usr/lib/smolvm/busybox";

    private GuestIdentity() {
    }

    /** {@code cidr}, {@code gateway} and {@code mac} are null on a user-mode network (nothing to change). */
    static String script(String hostname, String cidr, String gateway, String mac) {
        String h = ShellWords.quote(hostname);
        StringBuilder s = new StringBuilder("set -e; B=" + BUSYBOX + "; ")
                .append("$B hostname ").append(h).append("; echo ").append(h).append(" > /etc/hostname; ");
        if (cidr != null) {
            s.append("dev=; for d in /sys/class/net/*; do d=${d##*/}; [ \"$d\" = lo ] || { dev=$d; break; }; done; ")
                    .append("[ -n \"$dev\" ]; ")
                    .append("$B ip link set \"$dev\" down; ")
                    .append("$B ip link set \"$dev\" address ").append(ShellWords.quote(mac)).append("; ")
                    .append("$B ip addr flush dev \"$dev\"; ")
                    .append("$B ip addr add ").append(ShellWords.quote(cidr)).append(" dev \"$dev\"; ")
                    .append("$B ip link set \"$dev\" up; ")
                    .append("$B ip route replace default via ").append(ShellWords.quote(gateway)).append("; ");
        }
        return s.append("true").toString();
    }
}
