package dev.smolvm.network;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One sandbox's egress chain in the smolvm table, as text for {@code nft -f -}. Pure.
 *
 * <p>The chain is named after the TAP ({@code egress_smv3}), reached through the TAP's element
 * in the {@code egress} verdict map, and its comment names the sandbox, so whoever cleans up
 * (stop, delete, crash, a reaper) finds it from either. It sees every IPv4 packet the guest sends
 * through the host; traffic the host starts (SSH channel, port forwards) never passes it.
 */
public final class EgressRules {
    /** Always denied in {@code open}: this-network, loopback, link-local and metadata, multicast and above. */
    static final List<String> ALWAYS_DENIED = List.of("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3");
    /** Private ranges: when the host has an address in one, the whole range is the host's. */
    static final List<String> PRIVATE = List.of("10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16");
    private static final Pattern INET = Pattern.compile("\\d+: (\\S+?)(?:@\\S+)?\\s+inet (\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+)");

    private EgressRules() {
    }

    public static String chain(String tap) {
        return "egress_" + tap;
    }

    public static String comment(String sandboxId, String tap, EgressPolicy policy) {
        return "smolvm-sandbox " + sandboxId + " tap " + tap + " policy " + policy.mode().wireName();
    }

    /**
     * Installs (or replaces) the chain of {@code tap} and points the TAP at it. Idempotent: the chain
     * is flushed before its rules are added, and the map element always names the same chain.
     *
     * @param hostDenied the networks denied in {@code open} (see {@link #deniedInOpen})
     * @param dns        the resolver the guest is given, reachable in {@code restricted}
     */
    public static String apply(String sandboxId, String tap, EgressPolicy policy, List<Cidr> hostDenied, String dns) {
        String t = NftRuleset.FAMILY + " " + NftRuleset.TABLE;
        String c = chain(tap);
        String rule = "add rule " + t + " " + c + " ";
        StringBuilder sb = new StringBuilder();
        sb.append("add chain ").append(t).append(' ').append(c).append(" { comment \"")
                .append(comment(sandboxId, tap, policy)).append("\"; }\n");
        sb.append("flush chain ").append(t).append(' ').append(c).append('\n');
        if (!policy.allowed().isEmpty()) {
            sb.append(rule).append("ip daddr ").append(set(policy.allowed())).append(" accept comment \"allowed\"\n");
        }
        switch (policy.mode()) {
            case OPEN -> {
                sb.append(rule).append("ip daddr ").append(set(hostDenied))
                        .append(" counter drop comment \"host networks, link-local and metadata\"\n");
                sb.append(rule).append("accept\n");
            }
            case RESTRICTED -> {
                sb.append(rule).append("ip daddr ").append(dns).append(" meta l4proto { tcp, udp } th dport 53 accept comment \"dns\"\n");
                sb.append(rule).append("counter drop comment \"restricted\"\n");
            }
            case OFF -> sb.append(rule).append("counter drop comment \"off\"\n");
        }
        sb.append("add element ").append(t).append(' ').append(NftRuleset.EGRESS_MAP).append(" { \"").append(tap)
                .append("\" : jump ").append(c).append(" }\n");
        return sb.toString();
    }

    /** Removes the TAP's map element and chain (both must exist; run it best-effort). */
    public static String remove(String tap) {
        String t = NftRuleset.FAMILY + " " + NftRuleset.TABLE;
        return "delete element " + t + " " + NftRuleset.EGRESS_MAP + " { \"" + tap + "\" }\n"
                + "delete chain " + t + " " + chain(tap) + "\n";
    }

    /**
     * What {@code open} denies: {@link #ALWAYS_DENIED}, smolvm's own pool, every network the host
     * has an address on, and each private range (RFC 1918, CGNAT) the host is on.
     */
    public static List<Cidr> deniedInOpen(String pool, List<Cidr> hostNetworks) {
        List<Cidr> out = new ArrayList<>();
        ALWAYS_DENIED.forEach(s -> out.add(Cidr.parse(s)));
        out.add(Cidr.parse(pool));
        for (Cidr h : hostNetworks) {
            out.add(h);
            for (String p : PRIVATE) {
                Cidr range = Cidr.parse(p);
                if (range.contains(h)) {
                    out.add(range);
                }
            }
        }
        return Cidr.minimal(out);
    }

    /** The IPv4 networks of the host's interfaces in {@code ip -o -4 addr show}, except loopback and sandbox TAPs. */
    public static List<Cidr> hostNetworks(String ipAddrOutput, String tapPrefix) {
        List<Cidr> out = new ArrayList<>();
        Matcher m = INET.matcher(ipAddrOutput == null ? "" : ipAddrOutput);
        while (m.find()) {
            String dev = m.group(1);
            if (!dev.equals("lo") && !dev.startsWith(tapPrefix)) {
                out.add(Cidr.parse(m.group(2)));
            }
        }
        return Cidr.minimal(out);
    }

    private static String set(List<Cidr> cidrs) {
        return cidrs.stream().map(Cidr::toString).collect(Collectors.joining(", ", "{ ", " }"));
    }
}
