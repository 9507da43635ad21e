package dev.smolvm.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;

/** Two guests at once: each reachable from the host, neither from the other; then one crashes. */
@org.junit.jupiter.api.Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IsolationAndCrashE2ETest {
    private Cli cli;
    private String ipA;
    private String ipB;

    @BeforeAll
    void twoSandboxes() {
        cli = Cli.withFreshHome();
        var a = cli.run("sandbox", "create", "--name", "a", "--json");
        assertThat(a.code()).as(a.toString()).isZero();
        var b = cli.run("sandbox", "create", "--name", "b", "--json");
        assertThat(b.code()).as(b.toString()).isZero();
        ipA = a.json().get("data").get("network").get("guest_ip").asText();
        ipB = b.json().get("data").get("network").get("guest_ip").asText();
    }

    @AfterAll
    void cleanUp() {
        cli.close();
    }

    @Test
    @Order(1)
    void eachSandboxHasItsOwnNetwork() {
        assertThat(ipA).isNotEqualTo(ipB);
        assertThat(cli.run("sandbox", "exec", "a", "--", "hostname").out()).isEqualTo("a\n");
        assertThat(cli.run("sandbox", "exec", "b", "--", "hostname").out()).isEqualTo("b\n");
    }

    @Test
    @Order(2)
    void sandboxesCannotReachEachOther() {
        // Each guest serves on port 7000 (sshd is not running: the agent is the channel).
        for (String name : new String[] {"a", "b"}) {
            assertThat(cli.run("sandbox", "exec", name, "--", "sh", "-c",
                    "setsid python3 -m http.server 7000 >/dev/null 2>&1 < /dev/null &").code()).isZero();
        }
        // Positive control: the host reaches both guests' servers (the guests may not reach the host
        // back: NetworkIsolationE2ETest).
        for (int i = 0; i < 100 && !(Net.connects(ipA, 7000) && Net.connects(ipB, 7000)); i++) {
            Host.sh("sleep 0.1");
        }
        assertThat(Net.connects(ipA, 7000) && Net.connects(ipB, 7000)).isTrue();
        var ping = cli.run("sandbox", "exec", "a", "--", "sh", "-c", "/usr/lib/smolvm/busybox ping -c 1 -W 2 " + ipB);
        assertThat(ping.code()).as("ping a -> b must fail: " + ping).isNotZero();
        var tcp = cli.run("sandbox", "exec", "a", "--",
                "sh", "-c", "timeout 4 bash -c 'echo > /dev/tcp/" + ipB + "/7000' && echo reached || echo blocked");
        assertThat(tcp.out()).isEqualTo("blocked\n");
        var back = cli.run("sandbox", "exec", "b", "--",
                "sh", "-c", "timeout 4 bash -c 'echo > /dev/tcp/" + ipA + "/7000' && echo reached || echo blocked");
        assertThat(back.out()).isEqualTo("blocked\n");
    }

    @Test
    @Order(3)
    void aSandboxWhoseQemuIsKilledShowsAsNotRunning() {
        long pid = cli.run("sandbox", "info", "b", "--json").json().get("data").get("pid").asLong();
        String tapB = cli.run("sandbox", "info", "b", "--json").json().get("data").get("network").get("tap").asText();
        Host.sh("kill -9 " + pid);
        for (int i = 0; i < 50 && Host.processAlive(pid); i++) {
            Host.sh("sleep 0.1");
        }
        var info = cli.run("sandbox", "info", "b", "--json");
        assertThat(info.json().get("data").get("status").asText()).isEqualTo("error");
        assertThat(info.json().get("data").get("last_error").asText()).contains("exited unexpectedly");
        assertThat(Host.linkExists(tapB)).as("the dead sandbox's TAP is released").isFalse();
        var exec = cli.run("sandbox", "exec", "b", "--", "true");
        assertThat(exec.code()).isEqualTo(1);
        assertThat(exec.err()).contains("sandbox 'b' is not running (status: error)");
        assertThat(cli.run("sandbox", "list").out()).contains(" a ").doesNotContain(" b ");
        // The survivor is unaffected.
        assertThat(cli.run("sandbox", "exec", "a", "--", "sh", "-c", "echo alive").out()).isEqualTo("alive\n");
    }

    @Test
    @Order(4)
    void aCrashedSandboxCanBeStartedAgain() {
        var r = cli.run("sandbox", "start", "b");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(cli.run("sandbox", "exec", "b", "--", "sh", "-c", "echo back").out()).isEqualTo("back\n");
    }
}
