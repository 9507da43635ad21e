package dev.smolvm.forward;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

class HostPortsTest {
    @Test
    void holderFromTcpListenLine() {
        String ss = "LISTEN 0      5      127.0.0.1:8555      0.0.0.0:*    users:((\"python3\",pid=14006,fd=3))\n";
        assertThat(HostPorts.parseHolder(ss)).isEqualTo("python3 (pid 14006)");
    }

    @Test
    void holderFromUdpLine() {
        String ss = "UNCONN 0      0      127.0.0.1:5353      0.0.0.0:*    users:((\"dnsmasq\",pid=812,fd=4))\n";
        assertThat(HostPorts.parseHolder(ss)).isEqualTo("dnsmasq (pid 812)");
    }

    @Test
    void holderIsTheFirstUserOfTheFirstLine() {
        String ss = """
                LISTEN 0      511          0.0.0.0:80        0.0.0.0:*    users:(("nginx",pid=1201,fd=6),("nginx",pid=1200,fd=6))
                LISTEN 0      511             [::]:80           [::]:*    users:(("nginx",pid=1201,fd=7),("nginx",pid=1200,fd=7))
                """;
        assertThat(HostPorts.parseHolder(ss)).isEqualTo("nginx (pid 1201)");
    }

    @Test
    void holderNameMayContainSpacesAndDashes() {
        String ss = "LISTEN 0      128    127.0.0.1:9222      0.0.0.0:*    users:((\"Web Content-1\",pid=33,fd=90))";
        assertThat(HostPorts.parseHolder(ss)).isEqualTo("Web Content-1 (pid 33)");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*\n",
            "LISTEN 0      128          0.0.0.0:22        0.0.0.0:*\nLISTEN 0      128             [::]:22           [::]:*\n"
    })
    void noUsersColumnMeansNoHolder(String ss) {
        assertThat(HostPorts.parseHolder(ss)).isNull();
    }

    @Test
    void tcpPortTakenWhileBoundAndFreeAfterClose() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
            assertThat(HostPorts.free(Protocol.TCP, port)).isFalse();
        }
        assertThat(HostPorts.free(Protocol.TCP, port)).isTrue();
    }

    @Test
    void udpPortTakenWhileBoundAndFreeAfterClose() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = s.getLocalPort();
            assertThat(HostPorts.free(Protocol.UDP, port)).isFalse();
        }
        assertThat(HostPorts.free(Protocol.UDP, port)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void ephemeralPortIsInRangeAndFree(Protocol protocol) {
        int port = HostPorts.ephemeral(protocol);
        assertThat(port).isBetween(1, 65535);
        assertThat(HostPorts.free(protocol, port)).isTrue();
    }
}
