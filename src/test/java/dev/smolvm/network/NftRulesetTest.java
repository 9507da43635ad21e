package dev.smolvm.network;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NftRulesetTest {
    @Test
    void baseRulesetExact() {
        assertThat(NftRuleset.base("smv", "172.16.0.0/16")).isEqualTo("""
                table ip smolvm {
                  chain forward {
                    type filter hook forward priority filter; policy accept;
                    iifname "smv*" oifname "smv*" counter drop comment "sandboxes cannot reach each other"
                  }
                  chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    ip saddr 172.16.0.0/16 oifname != "smv*" counter masquerade comment "sandbox egress"
                  }
                }
                """);
    }

    @Test
    void baseUsesGivenPrefixAndPool() {
        String s = NftRuleset.base("tst", "10.9.0.0/16");
        assertThat(s).startsWith("table ip smolvm {\n")
                .contains("iifname \"tst*\" oifname \"tst*\" counter drop")
                .contains("ip saddr 10.9.0.0/16 oifname != \"tst*\" counter masquerade")
                .doesNotContain("smv", "172.16");
    }

    @Test
    void tableNameAndDelete() {
        assertThat(NftRuleset.TABLE).isEqualTo("smolvm");
        assertThat(NftRuleset.deleteTable()).isEqualTo("delete table ip smolvm\n");
    }
}
