package dev.smolvm.network;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.HostPrivileges;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Host side of TAP networking: creates and removes the per-sandbox TAP device and its egress
 * chain, and keeps the smolvm nftables table in place. Runs {@code ip} and {@code nft}; needs root.
 */
public final class TapNetwork {
    private static final String TAP_PREFIX = "smv";
    /** The DNS resolver TAP guests are given (reachable in {@code restricted} too). */
    public static final String RESOLVER = "1.1.1.1";
    /** One lock for the host's smolvm table and TAPs, whatever the smolvm home. */
    private static final Path HOST_LOCK = Path.of("/run/lock/smolvm-network.lock");
    private static final Pattern INET = Pattern.compile("\\binet (172\\.16\\.\\d+\\.\\d+)/");
    private static final Pattern TAP_NAME = Pattern.compile(TAP_PREFIX + "(\\d+)");
    private static final Pattern TAP_LINE = Pattern.compile("^\\d+: (" + TAP_PREFIX + "\\d+)[:@].*?(?:\\\\\\s+alias (.*))?$");
    private static final Pattern CHAIN = Pattern.compile("chain egress_(" + TAP_PREFIX + "\\d+) \\{\\s*comment \"([^\"]*)\"");

    /** Whether this process can make TAP devices at all. */
    public static boolean supported(HostPrivileges privileges) {
        return privileges.root() && Files.exists(Path.of("/dev/net/tun")) && Cmd.onPath("ip") && Cmd.onPath("nft");
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

    /**
     * Makes the sandbox's TAP device (down, with its host address and no IPv6), and the smolvm table.
     * The TAP's alias is {@code tag} (see {@link #tag}): it says which sandbox of which smolvm home it
     * belongs to, so a reaper of one home never takes another home's TAP.
     */
    public void addTap(Lease lease, String tag) {
        try (FileLock ignored = FileLock.acquire(HOST_LOCK)) {
            ensureRuleset();
            String tap = lease.tapName();
            if (Files.exists(Path.of("/sys/class/net", tap))) {
                Cmd.of("ip", "link", "del", tap).run(); // a leftover from a crash would block the add
            }
            // One ip process for the three (each process start is ~10 ms of a create by restore). The
            // link stays down until its egress chain is in (applyEgress), so IPv6 is off before it
            // could get a link-local address.
            String batch = "tuntap add dev " + tap + " mode tap\n"
                    + "addr add " + lease.hostIp() + "/" + Lease.PREFIX + " dev " + tap + "\n";
            boolean quotable = tag.indexOf('"') < 0 && tag.indexOf('\n') < 0;
            if (quotable) {
                batch += "link set dev " + tap + " alias \"" + tag + "\"\n";
            }
            Cmd.of("ip", "-batch", "-").withStdin(batch).check();
            if (!quotable) {
                Cmd.of("ip", "link", "set", "dev", tap, "alias", tag).check();
            }
            disableIpv6(tap);
        }
    }

    /** The alias a TAP of {@code sandboxId} in the smolvm home {@code homeRoot} carries. */
    public static String tag(String sandboxId, Path homeRoot) {
        return "smolvm sandbox " + sandboxId + " home " + homeRoot;
    }

    /** The smolvm TAPs on the host and their alias ("" when they have none: made by an older smolvm). */
    public Map<String, String> taps() {
        Map<String, String> out = new TreeMap<>();
        for (String line : Cmd.of("ip", "-o", "link", "show").run().stdout().split("\n")) {
            Matcher m = TAP_LINE.matcher(line);
            if (m.find()) {
                out.put(m.group(1), m.group(2) == null ? "" : m.group(2).strip());
            }
        }
        return out;
    }

    /** The egress chains in the smolvm table, by TAP, with their comments (which name the sandbox). */
    public Map<String, String> egressChains() {
        Map<String, String> out = new TreeMap<>();
        Matcher m = CHAIN.matcher(listTable());
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    /**
     * Installs the TAP's egress chain (commented with the sandbox id), then brings the TAP up: the
     * chain is in place before the guest can send anything (QEMU is not started yet).
     */
    public void applyEgress(String sandboxId, String tap, EgressPolicy policy) {
        try (FileLock ignored = FileLock.acquire(HOST_LOCK)) {
            ensureRuleset(); // the table may have been replaced since the TAP was made (another smolvm version)
            List<Cidr> denied = EgressRules.deniedInOpen(Lease.POOL,
                    EgressRules.hostNetworks(Cmd.of("ip", "-o", "-4", "addr", "show").run().stdout(), TAP_PREFIX));
            var r = Cmd.of("nft", "-f", "-").withStdin(EgressRules.apply(sandboxId, tap, policy, denied, RESOLVER)).run();
            if (!r.ok()) {
                throw SmolvmException.internal("could not install the egress policy of " + sandboxId + ": "
                        + r.stderr().strip());
            }
            Cmd.of("ip", "link", "set", tap, "up").check();
        }
    }

    /** Removes the TAP's egress chain and map element; absent already is fine. */
    public void removeEgress(String tap) {
        try (FileLock ignored = FileLock.acquire(HOST_LOCK)) {
            removeChain(tap);
        }
    }

    /** The map element and the chain one at a time: a chain whose element is gone is still removed. */
    private static void removeChain(String tap) {
        for (String statement : EgressRules.remove(tap).split("\n")) {
            Cmd.of("nft", "-f", "-").withStdin(statement + "\n").run(); // absent already: fine
        }
    }

    /** Removes the TAP device and its egress chain; the table goes with the last TAP. Idempotent. */
    public void down(String tap) {
        try (FileLock ignored = FileLock.acquire(HOST_LOCK)) {
            if (tap != null) {
                Cmd.of("ip", "link", "del", tap).run();
                removeChain(tap);
            }
            if (indexesOfTaps().isEmpty()) {
                Cmd.of("nft", "-f", "-").withStdin(NftRuleset.deleteTable()).run();
            }
        }
    }

    /** Lease indexes of the smolvm TAP devices present on the host. */
    private Set<Integer> indexesOfTaps() {
        Set<Integer> used = new HashSet<>();
        // The kernel's list of links, without an ip process (~10 ms each on a busy host).
        try (var links = Files.list(Path.of("/sys/class/net"))) {
            links.forEach(l -> {
                Matcher t = TAP_NAME.matcher(l.getFileName().toString());
                if (t.matches()) {
                    used.add(Integer.parseInt(t.group(1)));
                }
            });
        } catch (java.io.IOException e) {
            throw SmolvmException.internal("cannot list the host's network links in /sys/class/net: " + e.getMessage());
        }
        return used;
    }

    /** Installs the base table unless the current version is there already (an older one is replaced). */
    private void ensureRuleset() {
        write("/proc/sys/net/ipv4/ip_forward", "1");
        if (NftRuleset.current(listTable())) {
            return;
        }
        Cmd.of("nft", "delete", "table", "ip", NftRuleset.TABLE).run(); // smolvm before v2; absent: fine
        var r = Cmd.of("nft", "-f", "-").withStdin(NftRuleset.install(TAP_PREFIX, Lease.POOL)).run();
        if (!r.ok() && !NftRuleset.current(listTable())) {
            throw SmolvmException.internal("could not install the smolvm nftables table: " + r.stderr().strip());
        }
    }

    private static String listTable() {
        var r = Cmd.of("nft", "list", "table", NftRuleset.FAMILY, NftRuleset.TABLE).run();
        return r.ok() ? r.stdout() : "";
    }

    /** No IPv6 on the TAP: no link-local address, no neighbour discovery, no route for the guest to use. */
    private static void disableIpv6(String tap) {
        Path knob = Path.of("/proc/sys/net/ipv6/conf", tap, "disable_ipv6");
        if (Files.exists(knob)) { // absent when the host has IPv6 off altogether
            write(knob.toString(), "1");
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
