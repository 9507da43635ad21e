package dev.smolvm.network;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NftRulesetTest {
    @Test
    void baseRulesetExact() {
        assertThat(NftRuleset.base("smv", "172.16.0.0/16")).isEqualTo("""
                table inet smolvm {
                  comment "smolvm base v2"
                  map egress {
                    type ifname : verdict
                  }
                  chain input {
                    type filter hook input priority filter; policy accept;
                    iifname "smv*" meta nfproto ipv6 counter drop comment "no IPv6 from sandboxes"
                    iifname "smv*" ct state established,related accept comment "replies to host-initiated traffic"
                    iifname "smv*" counter drop comment "sandboxes cannot reach the host"
                  }
                  chain forward {
                    type filter hook forward priority filter; policy accept;
                    iifname "smv*" meta nfproto ipv6 counter drop comment "no IPv6 from sandboxes"
                    oifname "smv*" meta nfproto ipv6 counter drop comment "no IPv6 to sandboxes"
                    iifname "smv*" oifname "smv*" counter drop comment "sandboxes cannot reach each other"
                    iifname "smv*" iifname vmap @egress
                    iifname "smv*" counter drop comment "a TAP without an egress policy has no egress"
                  }
                  chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    ip saddr 172.16.0.0/16 oifname != "smv*" counter masquerade comment "sandbox egress"
                  }
                }
                """);
    }

    @Test
    void inputDropsEverythingFromTapsExceptReplies() {
        String s = NftRuleset.base("smv", "172.16.0.0/16");
        String input = s.substring(s.indexOf("chain input"), s.indexOf("chain forward"));
        // Order matters: IPv6 first, then replies, then the drop of everything else (any address, 127/8 too).
        assertThat(input.indexOf("nfproto ipv6")).isLessThan(input.indexOf("established,related accept"));
        assertThat(input.indexOf("established,related accept")).isLessThan(input.indexOf("counter drop comment \"sandboxes cannot reach the host\""));
        assertThat(input).doesNotContain("daddr"); // no address is exempt
        assertThat(s).startsWith("table inet "); // one table for IPv4 and IPv6
    }

    @Test
    void baseUsesGivenPrefixAndPool() {
        String s = NftRuleset.base("tst", "10.9.0.0/16");
        assertThat(s).contains("iifname \"tst*\" oifname \"tst*\" counter drop")
                .contains("ip saddr 10.9.0.0/16 oifname != \"tst*\" counter masquerade")
                .doesNotContain("smv", "172.16");
    }

    @Test
    void installReplacesAnyOlderTableInOneTransaction() {
        String s = NftRuleset.install("smv", "172.16.0.0/16");
        assertThat(s).startsWith("table inet smolvm {}\ndelete table inet smolvm\ntable inet smolvm {\n")
                .endsWith(NftRuleset.base("smv", "172.16.0.0/16").substring("table inet smolvm {\n".length()));
    }

    @Test
    void versionMarkerTellsCurrentFromOlderTables() {
        String old = """
                table ip smolvm {
                	chain forward {
                		type filter hook forward priority filter; policy accept;
                		iifname "smv*" oifname "smv*" counter packets 0 bytes 0 drop comment "sandboxes cannot reach each other"
                	}
                }
                """;
        assertThat(NftRuleset.current(old)).isFalse();
        assertThat(NftRuleset.current("")).isFalse();
        assertThat(NftRuleset.current(null)).isFalse();
        assertThat(NftRuleset.current("table inet smolvm {\n\tcomment \"smolvm base v2\"\n")).isTrue();
    }

    @Test
    void tableNameAndDelete() {
        assertThat(NftRuleset.TABLE).isEqualTo("smolvm");
        assertThat(NftRuleset.deleteTable()).isEqualTo("delete table inet smolvm\n");
    }
}
