package dev.smolvm.network;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EgressRulesTest {
    private static final String IP_ADDR = """
            1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
            4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever
            7: smv0    inet 172.16.0.1/30 scope global smv0\\       valid_lft forever preferred_lft forever
            9: veth1@if8    inet 10.99.71.1/24 scope global veth1\\       valid_lft forever preferred_lft forever
            10: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\\       valid_lft forever preferred_lft forever
            """;

    private static List<Cidr> denied() {
        return EgressRules.deniedInOpen("172.16.0.0/16", EgressRules.hostNetworks(IP_ADDR, "smv"));
    }

    @Test
    void hostNetworksSkipLoopbackAndTaps() {
        assertThat(EgressRules.hostNetworks(IP_ADDR, "smv").stream().map(Cidr::toString).toList())
                .containsExactly("10.99.71.0/24", "172.17.0.0/16", "192.0.2.0/24");
    }

    @Test
    void openDeniesLinkLocalLoopbackPoolHostNetworksAndTheirPrivateRanges() {
        assertThat(denied().stream().map(Cidr::toString).toList()).containsExactly(
                "0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.2.0/24",
                "224.0.0.0/3");
        // With no host networks at all, the fixed ones and the pool remain.
        assertThat(EgressRules.deniedInOpen("172.16.0.0/16", List.of()).stream().map(Cidr::toString).toList())
                .containsExactly("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/16", "224.0.0.0/3");
    }

    @Test
    void openChainExact() {
        var p = EgressPolicy.parse("open", List.of("169.254.169.254"));
        assertThat(EgressRules.apply("vm-1234abcd", "smv3", p, denied(), "1.1.1.1")).isEqualTo("""
                add chain inet smolvm egress_smv3 { comment "smolvm-sandbox vm-1234abcd tap smv3 policy open"; }
                flush chain inet smolvm egress_smv3
                add rule inet smolvm egress_smv3 ip daddr { 169.254.169.254/32 } accept comment "allowed"
                add rule inet smolvm egress_smv3 ip daddr { 0.0.0.0/8, 10.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, \
                172.16.0.0/12, 192.0.2.0/24, 224.0.0.0/3 } counter drop comment "host networks, link-local and metadata"
                add rule inet smolvm egress_smv3 accept
                add element inet smolvm egress { "smv3" : jump egress_smv3 }
                """);
    }

    @Test
    void restrictedAllowsTheListAndDnsOnly() {
        var p = EgressPolicy.parse("restricted", List.of("10.99.71.2"));
        assertThat(EgressRules.apply("vm-1", "smv0", p, denied(), "1.1.1.1")).isEqualTo("""
                add chain inet smolvm egress_smv0 { comment "smolvm-sandbox vm-1 tap smv0 policy restricted"; }
                flush chain inet smolvm egress_smv0
                add rule inet smolvm egress_smv0 ip daddr { 10.99.71.2/32 } accept comment "allowed"
                add rule inet smolvm egress_smv0 ip daddr 1.1.1.1 meta l4proto { tcp, udp } th dport 53 accept comment "dns"
                add rule inet smolvm egress_smv0 counter drop comment "restricted"
                add element inet smolvm egress { "smv0" : jump egress_smv0 }
                """);
    }

    @Test
    void offDropsEverything() {
        String s = EgressRules.apply("vm-1", "smv0", EgressPolicy.parse("off", null), denied(), "1.1.1.1");
        assertThat(s).contains("add rule inet smolvm egress_smv0 counter drop comment \"off\"\n")
                .doesNotContain("accept");
    }

    @Test
    void removeTakesElementThenChain() {
        assertThat(EgressRules.remove("smv3")).isEqualTo("""
                delete element inet smolvm egress { "smv3" }
                delete chain inet smolvm egress_smv3
                """);
    }
}
