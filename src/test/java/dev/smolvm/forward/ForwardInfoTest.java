package dev.smolvm.forward;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ForwardInfoTest {
    @Test
    void theJsonHasTheSpecsFieldsInOrderWithWireNames() {
        Forward f = new Forward(5353, 53, Protocol.UDP, "5353:53/udp", TransportKind.NFTABLES, "172.16.0.2", null,
                true, "2026-01-01T00:00:00Z");
        var json = ForwardInfo.of("my-vm", f).toJson();
        assertThat(List.copyOf(json.keySet()))
                .containsExactly("sandbox", "guest_port", "host_port", "mapping", "protocol", "transport");
        assertThat(List.copyOf(json.values())).containsExactly("my-vm", 53, 5353, "5353:53/udp", "udp", "nftables");
        assertThat(f.suffix()).isEqualTo("/udp");
    }

    @Test
    void aTcpForwardHasNoSuffix() {
        Forward f = new Forward(8080, 3000, Protocol.TCP, "8080:3000", TransportKind.SSH_TUNNEL, "10.0.2.15", 7L,
                false, "2026-01-01T00:00:00Z");
        assertThat(f.suffix()).isEmpty();
        assertThat(ForwardInfo.of("vm-1", f).toJson().get("transport")).isEqualTo("ssh_tunnel");
    }
}
