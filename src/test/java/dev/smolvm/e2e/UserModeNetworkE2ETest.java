package dev.smolvm.e2e;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Without TAP (as when not root), the guest is on QEMU user-mode networking and SSH goes through a host port. */
class UserModeNetworkE2ETest {
    @Test
    void userModeSandboxBootsAndRunsCommands() {
        try (Cli cli = Cli.withFreshHome(Map.of("SMOLVM_NETWORK", "user"))) {
            var r = cli.run("sandbox", "create", "--name", "um", "--json");
            assertThat(r.code()).as(r.toString()).isZero();
            var net = r.json().get("data").get("network");
            assertThat(net.get("mode").asText()).isEqualTo("user");
            assertThat(net.get("tap").isNull()).isTrue();
            assertThat(net.get("ssh_port").asInt()).isPositive();
            assertThat(cli.run("sandbox", "exec", "um", "--", "sh", "-c", "ip -4 -o addr show scope global | awk '{print $4}'").out())
                    .isEqualTo("10.0.2.15/24\n");
            assertThat(cli.run("sandbox", "delete", "--force", "um").code()).isZero();
        }
    }
}
