package dev.smolvm.forward;

import dev.smolvm.forward.NftForwardRules.RuleRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NftForwardRulesTest {
    /** Shaped like {@code nft -j list table ip smolvm_fwd} from nft 1.0.6 (pretty-printed for reading). */
    private static final String LISTING = """
            {"nftables": [
              {"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
              {"table": {"family": "ip", "name": "smolvm_fwd", "handle": 7}},
              {"chain": {"family": "ip", "table": "smolvm_fwd", "name": "output", "handle": 1,
                         "type": "nat", "hook": "output", "prio": -100, "policy": "accept"}},
              {"chain": {"family": "ip", "table": "smolvm_fwd", "name": "postrouting", "handle": 2,
                         "type": "nat", "hook": "postrouting", "prio": 100, "policy": "accept"}},
              {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "output", "handle": 4,
                        "comment": "smolvm-fwd vm-0212ba48 tcp 8080",
                        "expr": [
                          {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}},
                                     "right": "127.0.0.1"}},
                          {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                                     "right": 8080}},
                          {"counter": {"packets": 3, "bytes": 180}},
                          {"dnat": {"addr": "172.16.0.2", "port": 3000}}]}},
              {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "output", "handle": 6,
                        "comment": "smolvm-fwd vm-0212ba48 udp 5353",
                        "expr": [
                          {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}},
                                     "right": "127.0.0.1"}},
                          {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}},
                                     "right": 5353}},
                          {"counter": {"packets": 0, "bytes": 0}},
                          {"dnat": {"addr": "172.16.0.2", "port": 53}}]}},
              {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "output", "handle": 8,
                        "comment": "smolvm-fwd vm-9c4e11f0 tcp 9090",
                        "expr": [
                          {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}},
                                     "right": "127.0.0.1"}},
                          {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                                     "right": 9090}},
                          {"counter": {"packets": 0, "bytes": 0}},
                          {"dnat": {"addr": "172.16.0.6", "port": 80}}]}},
              {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "output", "handle": 10,
                        "expr": [
                          {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                                     "right": 7070}},
                          {"counter": {"packets": 0, "bytes": 0}},
                          {"dnat": {"addr": "172.16.0.9", "port": 7070}}]}},
              {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "postrouting", "handle": 5,
                        "comment": "smolvm-fwd vm-0212ba48 tcp 8080",
                        "expr": [
                          {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                                     "right": {"prefix": {"addr": "127.0.0.0", "len": 8}}}},
                          {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}},
                                     "right": "172.16.0.2"}},
                          {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                                     "right": 3000}},
                          {"counter": {"packets": 3, "bytes": 180}},
                          {"masquerade": null}]}},
              {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "postrouting", "handle": 7,
                        "comment": "smolvm-fwd vm-0212ba48 udp 5353",
                        "expr": [
                          {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                                     "right": {"prefix": {"addr": "127.0.0.0", "len": 8}}}},
                          {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}},
                                     "right": "172.16.0.2"}},
                          {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}},
                                     "right": 53}},
                          {"counter": {"packets": 0, "bytes": 0}},
                          {"masquerade": null}]}},
              {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "postrouting", "handle": 9,
                        "comment": "smolvm-fwd vm-9c4e11f0 tcp 9090",
                        "expr": [
                          {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                                     "right": {"prefix": {"addr": "127.0.0.0", "len": 8}}}},
                          {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}},
                                     "right": "172.16.0.6"}},
                          {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                                     "right": 80}},
                          {"counter": {"packets": 0, "bytes": 0}},
                          {"masquerade": null}]}}
            ]}
            """;

    /** Just the table and its chains, as listed right after {@link NftForwardRules#table()} is applied. */
    private static final String EMPTY_TABLE = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, \
            {"table": {"family": "ip", "name": "smolvm_fwd", "handle": 7}}, \
            {"chain": {"family": "ip", "table": "smolvm_fwd", "name": "output", "handle": 1, "type": "nat", \
            "hook": "output", "prio": -100, "policy": "accept"}}, \
            {"chain": {"family": "ip", "table": "smolvm_fwd", "name": "postrouting", "handle": 2, "type": "nat", \
            "hook": "postrouting", "prio": 100, "policy": "accept"}}]}
            """;

    @Test
    void tableName() {
        assertThat(NftForwardRules.TABLE).isEqualTo("smolvm_fwd");
    }

    @Test
    void tableTextExact() {
        assertThat(NftForwardRules.table()).isEqualTo("""
                table ip smolvm_fwd {
                  chain output {
                    type nat hook output priority -100; policy accept;
                  }
                  chain postrouting {
                    type nat hook postrouting priority 100; policy accept;
                  }
                }
                """);
    }

    @Test
    void tagNamesSandboxProtocolAndHostPort() {
        assertThat(NftForwardRules.tag("vm-0212ba48", Protocol.TCP, 8080)).isEqualTo("smolvm-fwd vm-0212ba48 tcp 8080");
        assertThat(NftForwardRules.tag("vm-0212ba48", Protocol.UDP, 5353)).isEqualTo("smolvm-fwd vm-0212ba48 udp 5353");
    }

    @Test
    void addTcpExact() {
        assertThat(NftForwardRules.add("vm-0212ba48", Protocol.TCP, 8080, "172.16.0.2", 3000)).isEqualTo(
                "add rule ip smolvm_fwd output ip daddr 127.0.0.1 tcp dport 8080 counter dnat to 172.16.0.2:3000"
                        + " comment \"smolvm-fwd vm-0212ba48 tcp 8080\"\n"
                        + "add rule ip smolvm_fwd postrouting ip saddr 127.0.0.0/8 ip daddr 172.16.0.2 tcp dport 3000"
                        + " counter masquerade comment \"smolvm-fwd vm-0212ba48 tcp 8080\"\n");
    }

    @Test
    void addUdpExact() {
        assertThat(NftForwardRules.add("vm-9c4e11f0", Protocol.UDP, 5353, "172.16.0.6", 53)).isEqualTo(
                "add rule ip smolvm_fwd output ip daddr 127.0.0.1 udp dport 5353 counter dnat to 172.16.0.6:53"
                        + " comment \"smolvm-fwd vm-9c4e11f0 udp 5353\"\n"
                        + "add rule ip smolvm_fwd postrouting ip saddr 127.0.0.0/8 ip daddr 172.16.0.6 udp dport 53"
                        + " counter masquerade comment \"smolvm-fwd vm-9c4e11f0 udp 5353\"\n");
    }

    @Test
    void addNeverTouchesPrerouting() {
        assertThat(NftForwardRules.add("vm-1", Protocol.TCP, 1, "10.0.0.2", 2)).doesNotContain("prerouting");
        assertThat(NftForwardRules.table()).doesNotContain("prerouting");
    }

    @Test
    void deleteExact() {
        assertThat(NftForwardRules.delete(List.of(new RuleRef("output", 4), new RuleRef("postrouting", 5))))
                .isEqualTo("delete rule ip smolvm_fwd output handle 4\n"
                        + "delete rule ip smolvm_fwd postrouting handle 5\n");
    }

    @Test
    void deleteOfNothingIsEmpty() {
        assertThat(NftForwardRules.delete(List.of())).isEmpty();
    }

    @Test
    void findReturnsBothChainsOfATaggedForward() {
        assertThat(NftForwardRules.find(LISTING, "smolvm-fwd vm-0212ba48 tcp 8080"))
                .containsExactly(new RuleRef("output", 4), new RuleRef("postrouting", 5));
        assertThat(NftForwardRules.find(LISTING, "smolvm-fwd vm-0212ba48 udp 5353"))
                .containsExactly(new RuleRef("output", 6), new RuleRef("postrouting", 7));
        assertThat(NftForwardRules.find(LISTING, "smolvm-fwd vm-9c4e11f0 tcp 9090"))
                .containsExactly(new RuleRef("output", 8), new RuleRef("postrouting", 9));
    }

    @Test
    void findMatchesTheWholeTagOnly() {
        assertThat(NftForwardRules.find(LISTING, "smolvm-fwd vm-0212ba48 udp 8080")).isEmpty();
        assertThat(NftForwardRules.find(LISTING, "smolvm-fwd vm-0212ba48 tcp 808")).isEmpty();
        assertThat(NftForwardRules.find(LISTING, "smolvm-fwd vm-0212ba48")).isEmpty();
        assertThat(NftForwardRules.find(LISTING, "")).isEmpty();
    }

    @Test
    void findThenDeleteGivesTheNftScript() {
        String tag = NftForwardRules.tag("vm-0212ba48", Protocol.TCP, 8080);
        assertThat(NftForwardRules.delete(NftForwardRules.find(LISTING, tag)))
                .isEqualTo("delete rule ip smolvm_fwd output handle 4\n"
                        + "delete rule ip smolvm_fwd postrouting handle 5\n");
    }

    @Test
    void hostPortsInUseCountsOutputRulesOfEverySandbox() {
        assertThat(NftForwardRules.hostPortsInUse(LISTING, Protocol.TCP)).containsExactly(8080, 9090);
        assertThat(NftForwardRules.hostPortsInUse(LISTING, Protocol.UDP)).containsExactly(5353);
    }

    @Test
    void ruleCountCountsEveryRuleIncludingUncommented() {
        assertThat(NftForwardRules.ruleCount(LISTING)).isEqualTo(7);
    }

    @Test
    void tableWithoutRules() {
        assertThat(NftForwardRules.ruleCount(EMPTY_TABLE)).isZero();
        assertThat(NftForwardRules.find(EMPTY_TABLE, "smolvm-fwd vm-0212ba48 tcp 8080")).isEmpty();
        assertThat(NftForwardRules.hostPortsInUse(EMPTY_TABLE, Protocol.TCP)).isEmpty();
    }

    @Test
    void foreignCommentsAreNotHostPorts() {
        String listing = """
                {"nftables": [
                  {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "output", "handle": 3,
                            "comment": "hand-made rule", "expr": []}},
                  {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "output", "handle": 4,
                            "comment": "smolvm-fwd vm-1 tcp", "expr": []}},
                  {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "output", "handle": 5,
                            "comment": "smolvm-fwd vm-1 tcp 81 extra", "expr": []}},
                  {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "postrouting", "handle": 6,
                            "comment": "smolvm-fwd vm-1 tcp 82", "expr": []}},
                  {"rule": {"family": "ip", "table": "smolvm_fwd", "chain": "output", "handle": 7,
                            "comment": "smolvm-fwd vm-1 tcp 83", "expr": []}}
                ]}
                """;
        assertThat(NftForwardRules.hostPortsInUse(listing, Protocol.TCP)).containsExactly(83);
        assertThat(NftForwardRules.ruleCount(listing)).isEqualTo(5);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "\n"})
    void emptyOrBlankListingHasNoRules(String listing) {
        assertThat(NftForwardRules.find(listing, "smolvm-fwd vm-0212ba48 tcp 8080")).isEmpty();
        assertThat(NftForwardRules.hostPortsInUse(listing, Protocol.TCP)).isEmpty();
        assertThat(NftForwardRules.hostPortsInUse(listing, Protocol.UDP)).isEmpty();
        assertThat(NftForwardRules.ruleCount(listing)).isZero();
    }

    @Test
    void jsonWithoutNftablesKeyHasNoRules() {
        assertThat(NftForwardRules.ruleCount("{}")).isZero();
        assertThat(NftForwardRules.ruleCount("{\"nftables\": []}")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "Error: No such file or directory", "{\"nftables\": [", "{\"nftables\": [}"})
    void malformedJsonIsIllegalArgument(String listing) {
        assertThatThrownBy(() -> NftForwardRules.ruleCount(listing))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not nft JSON: ");
        assertThatThrownBy(() -> NftForwardRules.find(listing, "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not nft JSON: ");
        assertThatThrownBy(() -> NftForwardRules.hostPortsInUse(listing, Protocol.TCP))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not nft JSON: ");
    }
}
