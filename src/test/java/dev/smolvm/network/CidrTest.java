package dev.smolvm.network;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTest {
    @Test
    void parsesAddressesAndNetworksIntoNormalForm() {
        assertThat(Cidr.parse("10.1.2.3").toString()).isEqualTo("10.1.2.3/32");
        assertThat(Cidr.parse(" 10.1.2.3/8 ").toString()).isEqualTo("10.0.0.0/8");
        assertThat(Cidr.parse("0.0.0.0/0").toString()).isEqualTo("0.0.0.0/0");
        assertThat(Cidr.parse("255.255.255.255/32").toString()).isEqualTo("255.255.255.255/32");
    }

    @Test
    void badValuesAreNamed() {
        for (String bad : List.of("10.0.0.256", "10.0.0.0/33", "example.com", "", "10.0.0/8", "1.2.3.4/", "fd00::/8")) {
            assertThatThrownBy(() -> Cidr.parse(bad)).isInstanceOf(SmolvmException.class)
                    .hasMessageContaining("'" + bad + "'")
                    .satisfies(e -> assertThat(((SmolvmException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT));
        }
        assertThatThrownBy(() -> Cidr.parse("fd00::/8")).hasMessageContaining("IPv6");
    }

    @Test
    void containsAndMinimal() {
        assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.parse("10.99.1.2"))).isTrue();
        assertThat(Cidr.parse("10.99.1.2").contains(Cidr.parse("10.0.0.0/8"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(Cidr.parse("192.0.2.1"))).isTrue();
        assertThat(Cidr.minimal(List.of(Cidr.parse("10.99.1.0/24"), Cidr.parse("192.0.2.7"), Cidr.parse("10.0.0.0/8"),
                Cidr.parse("10.0.0.0/8"))).stream().map(Cidr::toString).toList())
                .containsExactly("10.0.0.0/8", "192.0.2.7/32");
    }
}
