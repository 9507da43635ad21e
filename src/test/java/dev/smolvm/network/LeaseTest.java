package dev.smolvm.network;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeaseTest {
    @ParameterizedTest
    @CsvSource({
            "0,     172.16.0.0/30,     172.16.0.1,     172.16.0.2,     smv0,     52:54:00:5d:00:00",
            "1,     172.16.0.4/30,     172.16.0.5,     172.16.0.6,     smv1,     52:54:00:5d:00:01",
            "63,    172.16.0.252/30,   172.16.0.253,   172.16.0.254,   smv63,    52:54:00:5d:00:3f",
            "64,    172.16.1.0/30,     172.16.1.1,     172.16.1.2,     smv64,    52:54:00:5d:00:40",
            "16383, 172.16.255.252/30, 172.16.255.253, 172.16.255.254, smv16383, 52:54:00:5d:3f:ff",
    })
    void addressesNamesAndMac(int index, String network, String host, String guest, String tap, String mac) {
        Lease l = new Lease(index);
        assertThat(l.network()).isEqualTo(network);
        assertThat(l.hostIp()).isEqualTo(host);
        assertThat(l.guestIp()).isEqualTo(guest);
        assertThat(l.tapName()).isEqualTo(tap);
        assertThat(l.mac()).isEqualTo(mac);
    }

    @Test
    void constants() {
        assertThat(Lease.MAX_INDEX).isEqualTo(16383);
        assertThat(Lease.POOL).isEqualTo("172.16.0.0/16");
        assertThat(Lease.PREFIX).isEqualTo(30);
    }

    @Test
    void tapNameFitsIfnamsizForLargestIndex() {
        assertThat(new Lease(Lease.MAX_INDEX).tapName().length()).isLessThanOrEqualTo(15);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 16384, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void outOfRangeRejected(int index) {
        assertThatThrownBy(() -> new Lease(index))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lease index out of range: " + index);
    }
}
