package dev.smolvm.bench;

import dev.smolvm.e2e.Cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forwarding: throughput (MB/s) and connect latency (connect + 1-byte echo, ms) through the
 * nftables and ssh_tunnel transports and directly to the guest address, interleaved round by
 * round so the three paths see the same machine.
 */
final class ForwardingBench {
    private static final String GUEST_SERVERS = String.join("\n",
            "cat > /srv-bench.py <<'PY'",
            "import socket, threading",
            "def sink(c):",
            "    while c.recv(1 << 16): pass",
            "    c.close()",
            "def echo(c):",
            "    d = c.recv(1)",
            "    c.sendall(d); c.close()",
            "def serve(port, fn):",
            "    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "    s.bind(('0.0.0.0', port)); s.listen(64)",
            "    while True:",
            "        c, _ = s.accept(); threading.Thread(target=fn, args=(c,), daemon=True).start()",
            "threading.Thread(target=serve, args=(5001, sink), daemon=True).start()",
            "serve(5002, echo)",
            "PY",
            "setsid python3 /srv-bench.py >/dev/null 2>&1 < /dev/null &",
            "for i in $(seq 50); do python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 5002), 1)' 2>/dev/null && exit 0; sleep 0.1; done; exit 1");

    private ForwardingBench() {
    }

    static void run(Cli cli, String sandbox, String guestIp, boolean quick, Report report) {
        Bench.check(cli.run("sandbox", "exec", sandbox, "--", "sh", "-c", GUEST_SERVERS), "guest bench servers");
        Cli tunnel = cli.withEnv(Map.of("SMOLVM_PORT_TRANSPORT", "ssh_tunnel"));
        Map<String, int[]> paths = new LinkedHashMap<>();
        paths.put("direct", new int[] {5001, 5002});
        paths.put("nftables", new int[] {expose(cli, sandbox, 5001), expose(cli, sandbox, 5002)});
        paths.put("ssh_tunnel", new int[] {expose(tunnel, sandbox, 5001), expose(tunnel, sandbox, 5002)});
        int megabytes = quick ? 4 : 32;
        int rounds = quick ? 2 : 5;
        int connects = quick ? 10 : 50;
        Map<String, List<Double>> mbps = new LinkedHashMap<>();
        Map<String, List<Double>> latency = new LinkedHashMap<>();
        paths.keySet().forEach(p -> {
            mbps.put(p, new ArrayList<>());
            latency.put(p, new ArrayList<>());
        });
        for (var e : paths.entrySet()) { // warm-up: JIT, ARP, conntrack, guest threads; not recorded
            String host = e.getKey().equals("direct") ? guestIp : "127.0.0.1";
            throughput(host, e.getValue()[0], 1);
            for (int i = 0; i < 5; i++) {
                connectEcho(host, e.getValue()[1]);
            }
        }
        for (int round = 0; round < rounds; round++) {
            for (var e : paths.entrySet()) {
                String host = e.getKey().equals("direct") ? guestIp : "127.0.0.1";
                mbps.get(e.getKey()).add(throughput(host, e.getValue()[0], megabytes));
            }
        }
        for (int i = 0; i < connects; i++) {
            for (var e : paths.entrySet()) {
                String host = e.getKey().equals("direct") ? guestIp : "127.0.0.1";
                latency.get(e.getKey()).add(connectEcho(host, e.getValue()[1]));
            }
        }
        Stats direct = Stats.of(mbps.get("direct"));
        Stats directLat = Stats.of(latency.get("direct"));
        for (String p : paths.keySet()) {
            Stats s = Stats.of(mbps.get(p));
            report.add(new Row("forwarding", "throughput " + megabytes + " MB", p, "MB/s", s,
                    p.equals("direct") ? null : "direct", p.equals("direct") ? null : s.median() / direct.median(),
                    p.equals("nftables") ? ">= 0.95 (higher is better)" : null));
        }
        for (String p : paths.keySet()) {
            Stats s = Stats.of(latency.get(p));
            report.add(new Row("forwarding", "connect + 1-byte echo", p, "ms", s,
                    p.equals("direct") ? null : "direct", p.equals("direct") ? null : s.median() / directLat.median(), null));
        }
    }

    private static int expose(Cli cli, String sandbox, int guestPort) {
        var r = Bench.check(cli.run("port", "expose", sandbox, String.valueOf(guestPort), "--json"), "port expose");
        return r.json().get("data").get("host_port").asInt();
    }

    private static double throughput(String host, int port, int megabytes) {
        byte[] chunk = new byte[1 << 16];
        long total = (long) megabytes << 20;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            long t0 = System.nanoTime();
            OutputStream out = s.getOutputStream();
            for (long sent = 0; sent < total; sent += chunk.length) {
                out.write(chunk);
            }
            s.shutdownOutput();
            s.getInputStream().read(); // wait for the guest to close: everything arrived
            double seconds = (System.nanoTime() - t0) / 1e9;
            return megabytes / seconds;
        } catch (IOException e) {
            throw new IllegalStateException("throughput to " + host + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    private static double connectEcho(String host, int port) {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), 5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write('x');
            out.flush();
            if (in.read() != 'x') {
                throw new IllegalStateException("bad echo from " + host + ":" + port);
            }
        } catch (IOException e) {
            throw new IllegalStateException("connect to " + host + ":" + port + " failed: " + e.getMessage(), e);
        }
        return (System.nanoTime() - t0) / 1e6;
    }
}
