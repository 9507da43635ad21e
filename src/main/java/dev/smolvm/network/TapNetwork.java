package dev.smolvm.network;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Host side of TAP networking: creates and removes the per-sandbox TAP device and keeps the
 * smolvm nftables table in place. Runs {@code ip} and {@code nft}; needs root.
 */
public final class TapNetwork {
    private static final String TAP_PREFIX = "smv";
    private static final Pattern INET = Pattern.compile("\\binet (172\\.16\\.\\d+\\.\\d+)/");
    private static final Pattern TAP = Pattern.compile(": " + TAP_PREFIX + "(\\d+)[:@]");

    /** Whether this process can make TAP devices at all. */
    public static boolean supported() {
        return isRoot() && Files.exists(Path.of("/dev/net/tun")) && Cmd.onPath("ip") && Cmd.onPath("nft");
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Lease indexes the host already uses (another smolvm home, or a leftover device). */
    public Set<Integer> indexesInUseOnHost() {
        Set<Integer> used = new HashSet<>();
        var r = Cmd.of("ip", "-o", "-4", "addr", "show").run();
        Matcher m = INET.matcher(r.stdout());
        while (m.find()) {
            String[] parts = m.group(1).split("\\.");
            int n = (Integer.parseInt(parts[2]) << 8) | Integer.parseInt(parts[3]);
            used.add(n >> 2);
        }
        used.addAll(indexesOfTaps());
        return used;
    }

    public void up(Lease lease) {
        ensureRuleset();
        String tap = lease.tapName();
        Cmd.of("ip", "link", "del", tap).run(); // a leftover from a crash would block the add
        Cmd.of("ip", "tuntap", "add", "dev", tap, "mode", "tap").check();
        Cmd.of("ip", "addr", "add", lease.hostIp() + "/" + Lease.PREFIX, "dev", tap).check();
        Cmd.of("ip", "link", "set", tap, "up").check();
    }

    public void down(String tap) {
        if (tap != null) {
            Cmd.of("ip", "link", "del", tap).run();
        }
        if (indexesOfTaps().isEmpty()) {
            Cmd.of("nft", "delete", "table", "ip", NftRuleset.TABLE).run();
        }
    }

    /** Lease indexes of the smolvm TAP devices present on the host. */
    private Set<Integer> indexesOfTaps() {
        Set<Integer> used = new HashSet<>();
        var links = Cmd.of("ip", "-o", "link", "show").run();
        Matcher t = TAP.matcher(links.stdout());
        while (t.find()) {
            used.add(Integer.parseInt(t.group(1)));
        }
        return used;
    }

    private void ensureRuleset() {
        write("/proc/sys/net/ipv4/ip_forward", "1");
        if (Cmd.of("nft", "list", "table", "ip", NftRuleset.TABLE).run().ok()) {
            return;
        }
        var r = Cmd.of("nft", "-f", "-").withStdin(NftRuleset.base(TAP_PREFIX, Lease.POOL)).run();
        if (!r.ok() && !Cmd.of("nft", "list", "table", "ip", NftRuleset.TABLE).run().ok()) {
            throw SmolvmException.internal("could not install the smolvm nftables table: " + r.stderr().strip());
        }
    }

    private static void write(String file, String value) {
        try {
            Files.writeString(Path.of(file), value);
        } catch (java.io.IOException e) {
            throw SmolvmException.internal("cannot write " + file + ": " + e.getMessage());
        }
    }
}
