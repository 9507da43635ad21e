package dev.smolvm.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hostile guest against the host and the outside (TAP mode). The outside is a network namespace
 * this test makes: a veth pair to the host, with 10.99.N.2 (on a network the host is on),
 * 169.254.169.254 (the metadata address) and 198.51.100.7 (a "public" address the host routes to
 * it) in it, and an HTTP server on port 80. The host runs a listener on 0.0.0.0 and one on
 * 127.0.0.1. Three guests: open (the default), restricted to 10.99.N.2, and off.
 */
@org.junit.jupiter.api.Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkIsolationE2ETest {
    /** Connects to each host:port with a 3 s timeout and prints "host:port reached|blocked". */
    private static final String PROBE = """
            import socket, sys
            for t in sys.argv[1:]:
                h, p = t.rsplit(":", 1)
                s = socket.socket(); s.settimeout(3)
                try:
                    s.connect((h, int(p))); print(t, "reached")
                except Exception:
                    print(t, "blocked")
                finally:
                    s.close()
            """;
    private static final String PUBLIC = "198.51.100.7";
    private static final String METADATA = "169.254.169.254";
    private final int n = ThreadLocalRandom.current().nextInt(100, 200);
    private final String ns = "isot" + ProcessHandle.current().pid();
    private final String veth = "isot" + n + "h"; // not smv*: the sandbox rules match that
    private final String nsHost = "10.99." + n + ".2";
    private Process nsServer;
    private ServerSocket anyListener;
    private ServerSocket loopbackListener;
    private Cli cli;
    private final Map<String, String> guestIp = new LinkedHashMap<>();
    private final Map<String, String> gateway = new LinkedHashMap<>();

    @BeforeAll
    void outsideAndThreeGuests() throws IOException {
        Host.sh("ip netns add " + ns + " && ip link add " + veth + " type veth peer name " + veth + "n"
                + " && ip link set " + veth + "n netns " + ns
                + " && ip addr add 10.99." + n + ".1/24 dev " + veth + " && ip link set " + veth + " up"
                + " && ip route add " + METADATA + "/32 dev " + veth + " src 10.99." + n + ".1"
                + " && ip route add " + PUBLIC + "/32 via " + nsHost);
        Host.sh("ip netns exec " + ns + " sh -c 'ip link set lo up; ip addr add " + nsHost + "/24 dev " + veth + "n;"
                + " ip addr add " + METADATA + "/32 dev " + veth + "n; ip addr add " + PUBLIC + "/32 dev " + veth + "n;"
                + " ip link set " + veth + "n up; ip route add default via 10.99." + n + ".1'");
        nsServer = new ProcessBuilder("ip", "netns", "exec", ns, "python3", "-m", "http.server", "80")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        anyListener = listener(new InetSocketAddress("0.0.0.0", 0));
        loopbackListener = listener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        for (int i = 0; i < 50 && !Net.connects(nsHost, 80); i++) {
            Host.sh("sleep 0.1");
        }
        // Positive controls: the host itself reaches every target the guests will try.
        assertThat(Net.connects(nsHost, 80)).as("namespace host up").isTrue();
        assertThat(Net.connects(METADATA, 80)).as("metadata address routed to the namespace").isTrue();
        assertThat(Net.connects(PUBLIC, 80)).as("public address routed to the namespace").isTrue();

        cli = Cli.withFreshHome();
        create("open");
        create("rs", "--network", "restricted", "--allow", nsHost);
        create("off", "--network", "off");
    }

    private void create(String name, String... extra) {
        List<String> args = new ArrayList<>(List.of("sandbox", "create", "--name", name, "--json"));
        args.addAll(List.of(extra));
        var r = cli.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.toString()).isZero();
        guestIp.put(name, r.json().get("data").get("network").get("guest_ip").asText());
        gateway.put(name, r.json().get("data").get("network").get("host_ip").asText());
    }

    private static ServerSocket listener(InetSocketAddress at) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(at);
        Thread.ofVirtual().start(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    c.getOutputStream().write("hello\n".getBytes());
                } catch (IOException e) {
                    return;
                }
            }
        });
        return s;
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (cli != null) {
            cli.close();
        }
        if (nsServer != null) {
            nsServer.destroyForcibly();
        }
        if (anyListener != null) {
            anyListener.close();
            loopbackListener.close();
        }
        Host.sh("ip route del " + PUBLIC + "/32 via " + nsHost + "; ip route del " + METADATA + "/32 dev " + veth
                + "; ip link del " + veth + "; ip netns del " + ns);
    }

    /** What the guest {@code name} reaches of {@code targets}: "host:port reached|blocked" lines. */
    private String probe(String name, String... targets) {
        List<String> args = new ArrayList<>(List.of("sandbox", "exec", "-i", "--timeout", "60", name, "--", "python3", "-"));
        args.addAll(List.of(targets));
        var r = cli.runWithStdin(PROBE, args.toArray(String[]::new));
        assertThat(r.code()).as(r.toString()).isZero();
        return r.out();
    }

    private static String expect(Map<String, Boolean> reached) {
        StringBuilder sb = new StringBuilder();
        reached.forEach((t, ok) -> sb.append(t).append(ok ? " reached\n" : " blocked\n"));
        return sb.toString();
    }

    /** The host's own non-loopback IPv4 address on its main interface (not a TAP, not this test's veth). */
    private static String otherHostAddress() {
        return Host.sh("ip -o -4 addr show scope global | awk '$2 !~ /^(smv|isot)/ {split($4, a, \"/\"); print a[1]; exit}'")
                .strip();
    }

    @Test
    @Order(1)
    void openGuestReachesTheOutsideButNotTheHostItsNetworksOrMetadata() {
        int any = anyListener.getLocalPort();
        Map<String, Boolean> want = new LinkedHashMap<>();
        want.put(PUBLIC + ":80", true); // positive control: egress works in open
        want.put(gateway.get("open") + ":" + any, false); // host listener on 0.0.0.0 through the TAP gateway
        String other = otherHostAddress();
        if (!other.isEmpty()) {
            want.put(other + ":" + any, false); // ... and through the host's other address
        }
        want.put("10.99." + n + ".1:" + any, false); // ... and through another host address (the veth)
        want.put(METADATA + ":80", false);
        want.put(nsHost + ":80", false); // a network the host is on
        want.put(guestIp.get("rs") + ":22", false); // another sandbox
        assertThat(probe("open", want.keySet().toArray(String[]::new))).isEqualTo(expect(want));
    }

    @Test
    @Order(2)
    void openGuestCannotReachHostLoopbackThroughRouteLocalnet() {
        int port = loopbackListener.getLocalPort();
        String gw = gateway.get("open");
        // As an attacker with root in the guest: send 127.0.0.1:port to the host through the TAP.
        var setUp = cli.run("sandbox", "exec", "open", "--", "sh", "-c", "sysctl -qw net.ipv4.conf.all.route_localnet=1"
                + " && ip rule add pref 100 lookup local && ip rule del pref 0 lookup local"
                + " && ip rule add pref 10 to 127.0.0.1 ipproto 6 dport " + port + " lookup 100"
                + " && ip route replace 127.0.0.1/32 via " + gw + " src " + guestIp.get("open") + " table 100"
                + " && ip route get 127.0.0.1 ipproto 6 dport " + port);
        assertThat(setUp.out()).as(setUp.toString()).contains("via " + gw);
        // Make sure this test could fail: route_localnet is what lets 127.0.0.1 in through a TAP.
        Host.sh("sysctl -qw net.ipv4.conf.all.route_localnet=1");
        assertThat(probe("open", "127.0.0.1:" + port)).isEqualTo("127.0.0.1:" + port + " blocked\n");
        assertThat(cli.run("sandbox", "exec", "open", "--", "sh", "-c", "echo still").out()).isEqualTo("still\n");
    }

    @Test
    @Order(3)
    void restrictedReachesOnlyWhatItAllows() {
        Map<String, Boolean> want = new LinkedHashMap<>();
        want.put(nsHost + ":80", true);
        want.put(PUBLIC + ":80", false);
        want.put(METADATA + ":80", false);
        want.put(gateway.get("rs") + ":" + anyListener.getLocalPort(), false);
        want.put(guestIp.get("open") + ":22", false);
        assertThat(probe("rs", want.keySet().toArray(String[]::new))).isEqualTo(expect(want));
    }

    @Test
    @Order(4)
    void offReachesNothing() {
        Map<String, Boolean> want = new LinkedHashMap<>();
        want.put(PUBLIC + ":80", false);
        want.put(nsHost + ":80", false);
        want.put(METADATA + ":80", false);
        want.put(gateway.get("off") + ":" + anyListener.getLocalPort(), false);
        assertThat(probe("off", want.keySet().toArray(String[]::new))).isEqualTo(expect(want));
    }

    @Test
    @Order(5)
    void execAndBothForwardTransportsWorkInEveryMode() {
        for (String name : List.of("open", "rs", "off")) {
            assertThat(cli.run("sandbox", "exec", name, "--", "hostname").out()).isEqualTo(name + "\n");
            int nftPort = Net.freePort();
            var nft = cli.run("port", "expose", name, nftPort + ":22");
            assertThat(nft.code()).as(nft.toString()).isZero();
            assertThat(banner(nftPort)).as("nftables forward to %s", name).startsWith("SSH-2.0");
            cli.run("port", "close", name, nftPort + ":22");
            int tunnelPort = Net.freePort();
            Cli tunnel = cli.withEnv(Map.of("SMOLVM_PORT_TRANSPORT", "ssh_tunnel"));
            var t = tunnel.runProcess("port", "expose", name, tunnelPort + ":22");
            assertThat(t.code()).as(t.toString()).isZero();
            assertThat(banner(tunnelPort)).as("ssh_tunnel forward to %s", name).startsWith("SSH-2.0");
            tunnel.runProcess("port", "close", name, tunnelPort + ":22");
        }
    }

    private static String banner(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 3000);
            s.setSoTimeout(5000);
            byte[] buf = new byte[7];
            int got = s.getInputStream().readNBytes(buf, 0, buf.length);
            return new String(buf, 0, got);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    @Order(6)
    void noIpv6OnTapsAndTheRulesAreTaggedWithTheSandbox() {
        var info = cli.run("sandbox", "info", "rs", "--json").json().get("data");
        String tap = info.get("network").get("tap").asText();
        assertThat(Host.sh("cat /proc/sys/net/ipv6/conf/" + tap + "/disable_ipv6").strip()).isEqualTo("1");
        assertThat(Host.sh("ip -6 addr show dev " + tap).strip()).isEmpty();
        String table = Host.sh("nft list table inet smolvm");
        assertThat(table).contains("smolvm-sandbox " + info.get("id").asText() + " tap " + tap + " policy restricted")
                .contains("meta nfproto ipv6");
    }

    @Test
    @Order(7)
    void thePolicyIsShownAndKeptAcrossStopAndStart() {
        var before = cli.run("sandbox", "list", "--json").json().get("data");
        assertThat(before.findValuesAsText("policy")).containsExactly("open", "restricted", "off");
        var info = cli.run("sandbox", "info", "rs");
        assertThat(info.out()).contains("Egress:     restricted, allowed " + nsHost + "/32");
        String id = cli.run("sandbox", "info", "rs", "--json").json().get("data").get("id").asText();
        assertThat(cli.run("sandbox", "stop", "rs").code()).isZero();
        assertThat(Host.sh("nft list table inet smolvm")).as("the policy goes with the TAP").doesNotContain(id);
        var started = cli.run("sandbox", "start", "rs");
        assertThat(started.code()).as(started.toString()).isZero();
        var net = cli.run("sandbox", "info", "rs", "--json").json().get("data").get("network");
        assertThat(net.get("policy").asText()).isEqualTo("restricted");
        assertThat(net.get("allowed_cidrs").get(0).asText()).isEqualTo(nsHost + "/32");
        guestIp.put("rs", net.get("guest_ip").asText());
        assertThat(probe("rs", nsHost + ":80", PUBLIC + ":80"))
                .isEqualTo(nsHost + ":80 reached\n" + PUBLIC + ":80 blocked\n");
        assertThat(cli.run("sandbox", "delete", "--force", "rs").code()).isZero();
        assertThat(Host.sh("nft list table inet smolvm")).as("and with the sandbox").doesNotContain(id);
    }

    @Test
    @Order(8)
    void badPoliciesAreClearErrors() {
        var empty = cli.run("sandbox", "create", "--name", "bad", "--network", "restricted");
        assertThat(empty.code()).isEqualTo(1);
        assertThat(empty.err()).contains("restricted needs at least one allowed CIDR");
        var cidr = cli.run("sandbox", "create", "--name", "bad", "--network", "restricted", "--allow", "10.0.0.0/8,10.1.2.300");
        assertThat(cidr.code()).isEqualTo(1);
        assertThat(cidr.err()).contains("'10.1.2.300'");
        var json = cli.run("sandbox", "create", "--name", "bad", "--network", "nope", "--json").json();
        assertThat(json.get("error").get("code").asText()).isEqualTo("usage"); // an unknown mode is a usage error
        assertThat(json.get("exit_code").asInt()).isEqualTo(2);
        assertThat(json.get("error").get("message").asText()).contains("open, off, restricted");
        assertThat(cli.run("sandbox", "list", "--all").out()).doesNotContain("bad");
    }
}
