package dev.smolvm.sandbox;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GuestIdentityTest {

    @Test
    void onATapNetworkTheScriptSetsHostnameAddressGatewayAndMac() {
        String s = GuestIdentity.script("r1", "172.16.0.6/30", "172.16.0.5", "52:54:00:5d:00:01");
        assertThat(s).startsWith("set -e; B=/usr/lib/smolvm/busybox; $B hostname r1; echo r1 > /etc/hostname; ")
                .contains("$B ip link set \"$dev\" address 52:54:00:5d:00:01; ")
                .contains("$B ip addr flush dev \"$dev\"; $B ip addr add 172.16.0.6/30 dev \"$dev\"; ")
                .contains("$B ip route replace default via 172.16.0.5; ").endsWith("true");
        assertThat(s.indexOf("address 52:54")).as("the MAC changes while the link is down")
                .isBetween(s.indexOf("set \"$dev\" down"), s.indexOf("set \"$dev\" up"));
    }

    @Test
    void onAUserNetworkOnlyTheHostnameChangesAndValuesAreQuoted() {
        String s = GuestIdentity.script("it's", null, null, null);
        assertThat(s).doesNotContain(" ip ").contains("$B hostname 'it'\\''s'");
    }
}
