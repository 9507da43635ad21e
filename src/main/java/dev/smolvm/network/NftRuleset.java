package dev.smolvm.network;

/**
 * The nftables ruleset smolvm keeps for sandbox networking, as text for {@code nft -f -}.
 * Pure: the same input gives the same script, so it is unit-tested without touching the host.
 */
public final class NftRuleset {
    /** The table smolvm owns; nothing else of the host's ruleset is changed. */
    public static final String TABLE = "smolvm";

    private NftRuleset() {
    }

    /**
     * The base table: sandboxes reach the outside through masquerade, but no TAP may forward
     * to another TAP, so sandboxes cannot reach each other.
     */
    public static String base(String tapPrefix, String pool) {
        String taps = "\"" + tapPrefix + "*\"";
        return """
                table ip %1$s {
                  chain forward {
                    type filter hook forward priority filter; policy accept;
                    iifname %2$s oifname %2$s counter drop comment "sandboxes cannot reach each other"
                  }
                  chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    ip saddr %3$s oifname != %2$s counter masquerade comment "sandbox egress"
                  }
                }
                """.formatted(TABLE, taps, pool);
    }

    public static String deleteTable() {
        return "delete table ip " + TABLE + "\n";
    }
}
