package dev.smolvm.network;

/**
 * The nftables table smolvm keeps for sandbox networking, as text for {@code nft -f -}.
 * Pure: the same input gives the same script, so it is unit-tested without touching the host.
 *
 * <p>One {@code inet} table, so every rule covers IPv4 and IPv6 alike:
 * <ul>
 *   <li>{@code input}: nothing from a sandbox TAP reaches the host itself (any host address,
 *       127.0.0.0/8 included, which {@code route_localnet} would otherwise let in), except replies
 *       to connections the host opened (the SSH channel, port forwards);</li>
 *   <li>{@code forward}: no IPv6 to or from a TAP, no TAP to another TAP, and each TAP's own
 *       egress chain (see {@link EgressRules}); a TAP without one has no egress;</li>
 *   <li>{@code postrouting}: egress is masqueraded.</li>
 * </ul>
 * The table's comment carries a version, so a host with an older smolvm table gets this one.
 */
public final class NftRuleset {
    /** The table smolvm owns; nothing else of the host's ruleset is changed. */
    public static final String TABLE = "smolvm";
    public static final String FAMILY = "inet";
    /** The table of smolvm versions before 2 (IPv4 only, no input chain); removed on upgrade. */
    public static final String LEGACY_TABLE = "ip smolvm";
    /** Bump when {@link #base} changes: an installed table without this marker is replaced. */
    public static final String VERSION_MARKER = "smolvm base v2";
    /** The verdict map from TAP name to the TAP's egress chain. */
    public static final String EGRESS_MAP = "egress";

    private NftRuleset() {
    }

    /** The base table. */
    public static String base(String tapPrefix, String pool) {
        String taps = "\"" + tapPrefix + "*\"";
        return """
                table %1$s %2$s {
                  comment "%5$s"
                  map %6$s {
                    type ifname : verdict
                  }
                  chain input {
                    type filter hook input priority filter; policy accept;
                    iifname %3$s meta nfproto ipv6 counter drop comment "no IPv6 from sandboxes"
                    iifname %3$s ct state established,related accept comment "replies to host-initiated traffic"
                    iifname %3$s counter drop comment "sandboxes cannot reach the host"
                  }
                  chain forward {
                    type filter hook forward priority filter; policy accept;
                    iifname %3$s meta nfproto ipv6 counter drop comment "no IPv6 from sandboxes"
                    oifname %3$s meta nfproto ipv6 counter drop comment "no IPv6 to sandboxes"
                    iifname %3$s oifname %3$s counter drop comment "sandboxes cannot reach each other"
                    iifname %3$s iifname vmap @%6$s
                    iifname %3$s counter drop comment "a TAP without an egress policy has no egress"
                  }
                  chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    ip saddr %4$s oifname != %3$s counter masquerade comment "sandbox egress"
                  }
                }
                """.formatted(FAMILY, TABLE, taps, pool, VERSION_MARKER, EGRESS_MAP);
    }

    /**
     * Replaces whatever smolvm table is there with {@link #base} in one transaction (the empty
     * {@code table} line makes the {@code delete} safe when there is none).
     */
    public static String install(String tapPrefix, String pool) {
        return "table " + FAMILY + " " + TABLE + " {}\n" + deleteTable() + base(tapPrefix, pool);
    }

    /** Whether a listing of the table ({@code nft list table}) is of the current version. */
    public static boolean current(String listing) {
        return listing != null && listing.contains("comment \"" + VERSION_MARKER + "\"");
    }

    public static String deleteTable() {
        return "delete table " + FAMILY + " " + TABLE + "\n";
    }
}
