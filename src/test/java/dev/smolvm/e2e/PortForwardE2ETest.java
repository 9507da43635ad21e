package dev.smolvm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code smolvm port} against a real guest serving HTTP ({@code python3 -m http.server}) and UDP.
 * One sandbox for the class; the steps run in order (stop and start come last).
 */
@org.junit.jupiter.api.Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PortForwardE2ETest {
    private Cli cli;
    private Cli tunnelCli;
    private String id;
    private int nftPort;
    private int tunnelPort;
    private int autoPort;

    @BeforeAll
    void sandboxWithServers() {
        cli = Cli.withFreshHome();
        tunnelCli = cli.withEnv(Map.of("SMOLVM_PORT_TRANSPORT", "ssh_tunnel"));
        var r = cli.run("sandbox", "create", "--name", "web", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        id = r.json().get("data").get("id").asText();
        startServers();
    }

    private void startServers() {
        var r = cli.run("sandbox", "exec", "web", "--", "sh", "-c", String.join("\n",
                "mkdir -p /srv && cd /srv && echo hello-from-guest > index.html",
                "setsid python3 -m http.server 3000 >/dev/null 2>&1 < /dev/null &",
                "cat > /srv/udp.py <<'PY'",
                "import socket",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.bind(('0.0.0.0', 5300))",
                "while True:",
                "    data, peer = s.recvfrom(2048)",
                "    s.sendto(data.upper(), peer)",
                "PY",
                "setsid python3 /srv/udp.py >/dev/null 2>&1 < /dev/null &",
                "for i in $(seq 50); do python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 3000), 1)' 2>/dev/null && exit 0; sleep 0.1; done; exit 1"));
        assertThat(r.code()).as("guest servers up: " + r).isZero();
    }

    @AfterAll
    void cleanUp() {
        cli.close();
        assertThat(Host.sh("nft list table ip smolvm_fwd 2>/dev/null | grep -c " + id + " || true").strip()).isEqualTo("0");
    }

    private Path stateFile() {
        return cli.home().resolve("forwards/web.json");
    }

    @Test
    @Order(1)
    void exposeWithAnExplicitHostPortUsesNftablesAndPrintsTheSpecLines() {
        nftPort = Net.freePort();
        var r = cli.run("port", "expose", "web", nftPort + ":3000");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("Exposed localhost:" + nftPort + " → guest:3000\n"
                + "Connect to localhost:" + nftPort + "\n"
                + "Stop with: smolvm port close web " + nftPort + ":3000\n");
        assertThat(Net.get(nftPort)).isEqualTo("hello-from-guest\n");
        assertThat(Host.sh("nft list table ip smolvm_fwd")).contains("dport " + nftPort, "dnat to");
    }

    @Test
    @Order(2)
    void exposeWithOnlyTheSandboxPortPicksAFreeHostPort() {
        var r = cli.run("port", "expose", "web", "3000", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode env = r.json();
        assertThat(env.get("command").asText()).isEqualTo("port expose");
        assertThat(env.get("exit_code").asInt()).isZero();
        JsonNode data = env.get("data");
        assertThat(data.get("sandbox").asText()).isEqualTo("web");
        assertThat(data.get("guest_port").asInt()).isEqualTo(3000);
        autoPort = data.get("host_port").asInt();
        assertThat(autoPort).isBetween(1, 65535).isNotEqualTo(nftPort);
        assertThat(data.get("mapping").asText()).isEqualTo(autoPort + ":3000");
        assertThat(Net.get(autoPort)).isEqualTo("hello-from-guest\n");
    }

    @Test
    @Order(3)
    void sshTunnelForwardSurvivesTheCliProcessThatMadeIt() {
        tunnelPort = Net.freePort();
        var r = tunnelCli.runProcess("port", "expose", "web", tunnelPort + ":3000", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.json().get("data").get("transport").asText()).isEqualTo("ssh_tunnel");
        // The process that made it has exited; the forward still answers.
        assertThat(Net.get(tunnelPort)).isEqualTo("hello-from-guest\n");
        var list = cli.run("port", "list", "web", "--json").json().get("data").get("forwards");
        assertThat(list).anySatisfy(f -> {
            assertThat(f.get("host_port").asInt()).isEqualTo(tunnelPort);
            assertThat(f.get("transport").asText()).isEqualTo("ssh_tunnel");
        });
    }

    @Test
    @Order(4)
    void nftablesForwardSurvivesTheCliProcessToo() {
        int port = Net.freePort();
        var r = cli.runProcess("port", "expose", "web", port + ":3000");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(Net.get(port)).isEqualTo("hello-from-guest\n");
        assertThat(cli.run("port", "close", "web", port + ":3000").code()).isZero();
    }

    @Test
    @Order(5)
    void listShowsEveryForwardInTheSpecTable() {
        var r = cli.run("port", "list", "web");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Port Forwards — web", "┃ Host port ┃ Sandbox port ┃ Transport  ┃")
                .contains("│ " + String.format("%9d", tunnelPort) + " │         3000 │ ssh_tunnel │")
                .contains("│ " + String.format("%9d", nftPort) + " │         3000 │ nftables   │");
        var json = cli.run("port", "list", "web", "--json").json();
        assertThat(json.get("command").asText()).isEqualTo("port list");
        assertThat(json.get("data").get("forwards")).hasSize(3);
    }

    @Test
    @Order(6)
    void forwardsAnswerOnlyOn127001() throws Exception {
        String ns = "smolvm-e2e-" + ProcessHandle.current().pid();
        // Not "smv*": that prefix is a sandbox TAP to smolvm's nftables rules (guest-to-host is dropped).
        String hostSide = "pfe2e-h" + (ProcessHandle.current().pid() % 1000);
        String hostIp = "198.18.7.1";
        try {
            String setup = Host.sh(String.join(" && ",
                    "ip netns add " + ns,
                    "ip link add " + hostSide + " type veth peer name eth0 netns " + ns,
                    "ip addr add " + hostIp + "/30 dev " + hostSide,
                    "ip link set " + hostSide + " up",
                    "ip -n " + ns + " addr add 198.18.7.2/30 dev eth0",
                    "ip -n " + ns + " link set eth0 up",
                    "ip -n " + ns + " link set lo up",
                    "echo ok"));
            assertThat(setup).as(setup).contains("ok");
            try (ServerSocket control = new ServerSocket()) {
                control.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
                int controlPort = control.getLocalPort();
                // Positive control: the namespace does reach the host through this address.
                assertThat(Host.sh("ip netns exec " + ns + " timeout 3 bash -c 'echo > /dev/tcp/" + hostIp + "/"
                        + controlPort + "' && echo reached")).contains("reached");
            }
            for (int port : new int[] {nftPort, tunnelPort, autoPort}) {
                String fromNs = Host.sh("ip netns exec " + ns + " curl -s -m 3 http://" + hostIp + ":" + port
                        + "/index.html; echo \"exit=$?\"");
                assertThat(fromNs).as("port %d from another network namespace", port)
                        .doesNotContain("hello-from-guest").doesNotContain("exit=0");
                assertThat(Net.get(hostIp, port, "/index.html")).as("port %d via a non-loopback host address", port).isNull();
                assertThat(Net.get(port)).as("port %d via 127.0.0.1", port).isEqualTo("hello-from-guest\n");
            }
        } finally {
            Host.sh("ip link del " + hostSide + " 2>/dev/null; ip netns del " + ns + " 2>/dev/null");
        }
    }

    @Test
    @Order(7)
    void aTakenHostPortIsAnErrorNamingWhoHoldsIt() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = squatter.getLocalPort();
            for (Cli c : new Cli[] {cli, tunnelCli}) {
                var r = c.run("port", "expose", "web", port + ":3000");
                assertThat(r.code()).isEqualTo(1);
                assertThat(r.err()).isEqualTo("smolvm: host port " + port + " is already in use by java (pid "
                        + ProcessHandle.current().pid() + "); pick another port, or give only the sandbox port to get a free one.\n");
            }
            var json = cli.run("port", "expose", "web", port + ":3000", "--json").json();
            assertThat(json.get("error").get("code").asText()).isEqualTo("conflict");
        }
        var again = cli.run("port", "expose", "web", nftPort + ":3000");
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("smolvm: host port " + nftPort + " is already forwarded to sandbox 'web' ("
                + nftPort + ":3000); pick another port, or close that forward first.\n");
        assertThat(cli.run("port", "list", "web", "--json").json().get("data").get("forwards")).hasSize(3);
    }

    @Test
    @Order(8)
    void badInputsEachGetOneClearSentence() {
        record Case(String[] args, int code, String err) {
        }
        List<Case> cases = List.of(
                new Case(new String[] {"port", "expose", "web", "70000:3000"}, 1,
                        "smolvm: host port 70000 is out of range: ports are 1-65535.\n"),
                new Case(new String[] {"port", "expose", "web", "0"}, 1,
                        "smolvm: sandbox port 0 is out of range: ports are 1-65535.\n"),
                new Case(new String[] {"port", "expose", "web", "80:http"}, 1,
                        "smolvm: invalid port mapping '80:http': use host-port:sandbox-port (e.g. 8080:3000) or sandbox-port (e.g. 3000).\n"),
                new Case(new String[] {"port", "expose", "ghost", "3000"}, 1,
                        "smolvm: no sandbox named 'ghost'; see 'smolvm sandbox list --all'.\n"),
                new Case(new String[] {"port", "close", "web", "3000"}, 1,
                        "smolvm: port close needs both ports, as host-port:sandbox-port; see 'smolvm port list web'.\n"),
                new Case(new String[] {"port", "close", "web", "1:3000"}, 1,
                        "smolvm: no forward 1:3000 on sandbox 'web'; see 'smolvm port list web'.\n"),
                new Case(new String[] {"port", "expose", "web", "3000", "--comm-channel", "vsock"}, 1,
                        "smolvm: the vsock control channel needs /dev/vhost-vsock, which this host does not have; use --comm-channel ssh (or leave it unset).\n"),
                new Case(new String[] {"port", "expose", "web", "3000", "--ssh-key", "/nonexistent/key"}, 1,
                        "smolvm: cannot read the SSH key /nonexistent/key; give a readable private key with --ssh-key.\n"));
        for (Case c : cases) {
            var r = cli.run(c.args());
            assertThat(r.code()).as(String.join(" ", c.args())).isEqualTo(c.code());
            assertThat(r.err()).as(String.join(" ", c.args())).isEqualTo(c.err());
        }
        for (String[] usage : new String[][] {{"port"}, {"port", "expose", "web"}, {"port", "list"},
                {"port", "expose", "web", "3000", "--bogus"}}) {
            var r = cli.run(usage);
            assertThat(r.code()).as(String.join(" ", usage)).isEqualTo(2);
            assertThat(r.err()).doesNotContain("Exception");
        }
        assertThat(cli.run("port", "list", "web", "--json").json().get("data").get("forwards")).hasSize(3);
    }

    @Test
    @Order(9)
    void udpForwardsGoThroughNftables() {
        int port = Net.freePort();
        var r = cli.run("port", "expose", "web", port + ":5300/udp");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Exposed localhost:" + port + "/udp → guest:5300/udp\n");
        assertThat(Net.udpRoundTrip(port, "ping over udp")).isEqualTo("PING OVER UDP");
        var tunnel = tunnelCli.run("port", "expose", "web", Net.freePort() + ":5300/udp");
        assertThat(tunnel.code()).isEqualTo(1);
        assertThat(tunnel.err()).contains("UDP forwards need the nftables transport");
        assertThat(cli.run("port", "close", "web", port + ":5300/udp").code()).isZero();
        assertThat(Net.udpRoundTrip(port, "again")).isNull();
    }

    @Test
    @Order(10)
    void tenConcurrentExposesAllSucceedAndAreAllRecorded() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<Cli.Result>> runs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                runs.add(pool.submit((Callable<Cli.Result>) () -> cli.runProcess("port", "expose", "web", "3000", "--json")));
            }
            Set<Integer> ports = new HashSet<>();
            for (Future<Cli.Result> f : runs) {
                Cli.Result r = f.get();
                assertThat(r.code()).as(r.toString()).isZero();
                ports.add(r.json().get("data").get("host_port").asInt());
            }
            assertThat(ports).hasSize(10);
            JsonNode file = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stateFile().toFile());
            Set<Integer> recorded = new HashSet<>();
            file.get("forwards").forEach(f -> recorded.add(f.get("host_port").asInt()));
            assertThat(recorded).containsAll(ports).hasSize(13);
            for (int port : ports) {
                assertThat(Net.get(port)).as("forward on %d", port).isEqualTo("hello-from-guest\n");
            }
            for (int port : ports) {
                assertThat(cli.run("port", "close", "web", port + ":3000").code()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(11)
    void aCorruptStateFileIsReportedAndNeverOverwritten() throws Exception {
        String good = Files.readString(stateFile());
        Files.writeString(stateFile(), "{ this is not json");
        try {
            for (String[] args : new String[][] {{"port", "list", "web"}, {"port", "expose", "web", "3000"},
                    {"port", "close", "web", nftPort + ":3000"}}) {
                var r = cli.run(args);
                assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
                assertThat(r.err()).startsWith("smolvm: the port forward state file " + stateFile() + " is corrupt (")
                        .endsWith("); fix or delete it, then run 'smolvm port list' again.\n");
                assertThat(Files.readString(stateFile())).isEqualTo("{ this is not json");
            }
        } finally {
            Files.writeString(stateFile(), good);
        }
        assertThat(cli.run("port", "list", "web", "--json").json().get("data").get("forwards")).hasSize(3);
    }

    @Test
    @Order(12)
    void listPrunesAForwardWhoseTunnelDied() {
        int port = Net.freePort();
        var r = tunnelCli.run("port", "expose", "web", port + ":3000");
        assertThat(r.code()).as(r.toString()).isZero();
        String pid = Host.sh("pgrep -f '[1]27.0.0.1:" + port + ":'").strip();
        assertThat(pid).isNotEmpty();
        Host.sh("kill " + pid + "; sleep 0.3");
        var list = cli.run("port", "list", "web");
        assertThat(list.err()).contains("Removed dead forward " + port + ":3000 (ssh_tunnel)");
        assertThat(list.out()).doesNotContain(String.valueOf(port));
        assertThat(cli.run("port", "list", "web", "--json").json().get("data").get("forwards")).hasSize(3);
    }

    @Test
    @Order(13)
    void closeRemovesTheForward() {
        var r = cli.run("port", "close", "web", autoPort + ":3000", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.json().get("command").asText()).isEqualTo("port close");
        assertThat(r.json().get("data").get("host_port").asInt()).isEqualTo(autoPort);
        assertThat(Net.get(autoPort)).isNull();
        var human = cli.run("port", "close", "web", tunnelPort + ":3000");
        assertThat(human.out()).isEqualTo("Closed localhost:" + tunnelPort + " → guest:3000\n");
        assertThat(Net.get(tunnelPort)).isNull();
        assertThat(Host.pgrep("127.0.0.1:" + tunnelPort + ":")).isEmpty();
    }

    private int squattedPort;

    @Test
    @Order(14)
    void stopReleasesEveryForward() {
        int tunnel = Net.freePort();
        assertThat(tunnelCli.run("port", "expose", "web", tunnel + ":3000").code()).isZero();
        squattedPort = Net.freePort();
        assertThat(cli.run("port", "expose", "web", squattedPort + ":3000").code()).isZero();
        assertThat(cli.run("sandbox", "stop", "web").code()).isZero();
        assertThat(Files.exists(stateFile())).isFalse();
        assertThat(Host.sh("nft list table ip smolvm_fwd 2>/dev/null | grep -c " + id + " || true").strip()).isEqualTo("0");
        assertThat(Host.pgrep("127.0.0.1:" + tunnel + ":")).isEmpty();
        assertThat(Net.get(nftPort)).isNull();
        assertThat(cli.run("port", "list", "web").out()).isEqualTo("No active port forwards for 'web'.\n");
        var r = cli.run("port", "expose", "web", "3000");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smolvm: sandbox 'web' is not running (status: stopped); start it with 'smolvm sandbox start web', or pass --start.\n");
        tunnelPort = tunnel;
    }

    @Test
    @Order(15)
    void startBringsBackForwardsWithExplicitHostPortsAndReportsOneItCannot() throws Exception {
        Cli.Result r;
        // While the sandbox was stopped, another program took one of its ports.
        try (ServerSocket squatter = new ServerSocket(squattedPort, 1, InetAddress.getLoopbackAddress())) {
            r = cli.run("sandbox", "start", "web");
        }
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("Restored forward localhost:" + nftPort + " → guest:3000",
                "Restored forward localhost:" + tunnelPort + " → guest:3000",
                "Could not restore forward " + squattedPort + ":3000: host port " + squattedPort + " is already in use by java");
        assertThat(cli.run("port", "list", "web", "--json").json().get("data").get("forwards"))
                .extracting(f -> f.get("host_port").asInt()).containsExactlyInAnyOrder(nftPort, tunnelPort);
        startServers();
        assertThat(Net.get(nftPort)).isEqualTo("hello-from-guest\n");
        assertThat(Net.get(tunnelPort)).isEqualTo("hello-from-guest\n");
    }

    @Test
    @Order(16)
    void deleteReleasesEverything() {
        assertThat(cli.run("sandbox", "delete", "--force", "web").code()).isZero();
        assertThat(Files.exists(stateFile())).isFalse();
        assertThat(Host.sh("nft list table ip smolvm_fwd 2>/dev/null | grep -c " + id + " || true").strip()).isEqualTo("0");
        assertThat(Net.get(nftPort)).isNull();
    }
}
