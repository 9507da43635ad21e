package dev.smolvm.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Without TAP (as when not root), the guest is on QEMU user-mode networking and SSH goes through a host port. */
@org.junit.jupiter.api.Tag("e2e")
class UserModeNetworkE2ETest {
    @Test
    void userModeSandboxBootsRunsCommandsAndCannotReachHostLoopback() throws IOException {
        try (Cli cli = Cli.withFreshHome(Map.of("SMOLVM_NETWORK", "user"));
             ServerSocket hostService = new ServerSocket()) {
            hostService.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            var refused = cli.run("sandbox", "create", "--name", "um", "--network", "restricted", "--allow", "10.0.0.0/8");
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains("user-mode networking", "cannot enforce --network restricted");

            var r = cli.run("sandbox", "create", "--name", "um", "--json");
            assertThat(r.code()).as(r.toString()).isZero();
            var net = r.json().get("data").get("network");
            assertThat(net.get("mode").asText()).isEqualTo("user");
            assertThat(net.get("tap").isNull()).isTrue();
            assertThat(net.get("ssh_port").asInt()).isPositive();
            assertThat(cli.run("sandbox", "exec", "um", "--", "sh", "-c", "ip -4 -o addr show scope global | awk '{print $4}'").out())
                    .isEqualTo("10.0.2.15/24\n");
            // slirp maps 10.0.2.2 to the host's 127.0.0.1; restrict=on closes that (and all egress).
            int port = hostService.getLocalPort();
            var probe = cli.run("sandbox", "exec", "um", "--", "sh", "-c", "timeout 5 bash -c 'echo > /dev/tcp/10.0.2.2/" + port
                    + "' 2>/dev/null && echo reached || echo blocked");
            assertThat(probe.out()).as(probe.toString()).isEqualTo("blocked\n");
            assertThat(cli.run("sandbox", "delete", "--force", "um").code()).isZero();
        }
    }
}
