package dev.smolvm.bench;

import dev.smolvm.Smolvm;
import dev.smolvm.e2e.Cli;
import dev.smolvm.guest.ShellMode;
import dev.smolvm.guest.SshChannel;
import dev.smolvm.guest.SshTarget;
import dev.smolvm.guest.agent.AgentClient;
import dev.smolvm.sandbox.ExecRequest;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Warm {@code exec true} through the guest agent: a no-op request on the same channel (an agent
 * ping through the sandbox's mux) as the floor, against smolvm's Java API, the HTTP API (a separate
 * server process) and the CLI, round-robin; plus the SSH path every exec took before the agent
 * ({@code ssh -S ctl host true} over a ControlMaster), and the channel's raw throughput.
 */
final class ExecBench {
    private ExecBench() {
    }

    static void run(Cli cli, String sandbox, String sandboxId, String guestIp, int serverPort, boolean quick,
                    Report report) throws Exception {
        int n = quick ? 5 : 40;
        int cliN = quick ? 3 : 10;
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest execReq = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serverPort + "/sandboxes/"
                        + sandbox + "/exec")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"command\":\"true\"}")).build();
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        for (String p : List.of("agent ping", "java api", "http api", "ssh -S ctl (before)", "cli")) {
            samples.put(p, new ArrayList<>());
        }
        try (Smolvm smolvm = Smolvm.open(cli.env());
             AgentClient agent = smolvm.sandboxes().agentClient(sandbox)) {
            // The SSH path, for comparison: sshd started on demand, one ControlMaster kept open.
            SshTarget target = smolvm.sandboxes().sshTarget(sandbox, null, null);
            if (!new SshChannel(target).run("true", Duration.ofSeconds(60))) {
                throw new IllegalStateException("the SSH path did not come up");
            }
            List<String> raw = List.of("ssh", "-S", target.controlPath().toString(), "-o", "ControlMaster=no", "-T",
                    target.host(), "true");
            ExecRequest req = ExecRequest.argv("true");
            OutputStream sink = new ByteArrayOutputStream();
            for (int i = 0; i < n + 3; i++) {
                boolean warm = i >= 3; // the first rounds warm up the JIT and the guest's page cache
                long t0 = System.nanoTime();
                agent.ping();
                double ping = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                int code = smolvm.sandboxes().exec(sandbox, req, null, sink, sink).exitCode();
                double api = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                HttpResponse<String> resp = http.send(execReq, HttpResponse.BodyHandlers.ofString());
                double viaHttp = (System.nanoTime() - t0) / 1e6;
                double ssh = Proc.timeOk(raw, Map.of());
                if (code != 0 || resp.statusCode() != 200 || !resp.body().contains("\"exit_code\":0")) {
                    throw new IllegalStateException("exec failed: " + code + " / " + resp.body());
                }
                if (warm) {
                    samples.get("agent ping").add(ping);
                    samples.get("java api").add(api);
                    samples.get("http api").add(viaHttp);
                    samples.get("ssh -S ctl (before)").add(ssh);
                }
            }
            throughput(smolvm, sandbox, quick, report);
        }
        for (int i = 0; i < cliN; i++) {
            samples.get("cli").add(Proc.timeOk(List.of(Proc.launcher(), "sandbox", "exec", sandbox, "--", "true"), cli.env()));
        }
        Stats floor = Stats.of(samples.get("agent ping"));
        Stats api = Stats.of(samples.get("java api"));
        for (var e : samples.entrySet()) {
            Stats s = Stats.of(e.getValue());
            String p99 = "warm exec true (p99 " + String.format(java.util.Locale.ROOT, "%.1f", s.p99()) + ")";
            switch (e.getKey()) {
                case "agent ping" -> report.add(new Row("exec", "no-op request on the channel (p99 "
                        + String.format(java.util.Locale.ROOT, "%.1f", s.p99()) + ")", e.getKey(), "ms", s, null, null, null));
                case "http api" -> report.add(new Row("exec", p99, e.getKey(), "ms", s, "java api",
                        s.median() / api.median(), "<= 1.1"));
                case "ssh -S ctl (before)" -> report.add(new Row("exec", "java api / the SSH path", "java api", "ratio",
                        Stats.of(List.of(api.median() / s.median())), e.getKey(), api.median() / s.median(), "<= 0.5"));
                default -> report.add(new Row("exec", p99, e.getKey(), "ms", s, "agent ping", s.median() / floor.median(),
                        e.getKey().equals("java api") ? "<= 1.2" : null));
            }
        }
    }

    /** Bytes the channel carries per second: a command's stdout of 64 MiB (8 in a quick run), through the Java API. */
    private static void throughput(Smolvm smolvm, String sandbox, boolean quick, Report report) {
        int mib = quick ? 8 : 64;
        ExecRequest req = ExecRequest.argv("head", "-c", mib + "M", "/dev/zero").withTimeout(300);
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < (quick ? 1 : 3); i++) {
            var counter = new OutputStream() {
                long n;

                @Override
                public void write(int b) {
                    n++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    n += len;
                }
            };
            long t0 = System.nanoTime();
            smolvm.sandboxes().exec(sandbox, req, null, counter, OutputStream.nullOutputStream());
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (counter.n != (long) mib << 20) {
                throw new IllegalStateException("read " + counter.n + " bytes of " + mib + " MiB");
            }
            rates.add(mib / seconds);
        }
        Stats channel = Stats.of(rates);
        report.add(new Row("exec", "channel throughput (" + mib + " MiB of stdout)", "java api", "MiB/s",
                channel, null, null, null));
        // Files over the same channel: upload (write) and download (read) of the same size, in memory.
        List<Double> up = new ArrayList<>();
        List<Double> down = new ArrayList<>();
        byte[] data = new byte[mib << 20];
        new java.util.Random(7).nextBytes(data);
        for (int i = 0; i < (quick ? 1 : 3); i++) {
            long t0 = System.nanoTime();
            smolvm.files().write(sandbox, "/tmp/bench.bin", new java.io.ByteArrayInputStream(data), null, true);
            up.add(mib / ((System.nanoTime() - t0) / 1e9));
            t0 = System.nanoTime();
            smolvm.files().read(sandbox, "/tmp/bench.bin", OutputStream.nullOutputStream(), info -> { });
            down.add(mib / ((System.nanoTime() - t0) / 1e9));
        }
        Stats u = Stats.of(up);
        Stats d = Stats.of(down);
        report.add(new Row("exec", "upload " + mib + " MiB", "java api", "MiB/s", u, "channel throughput",
                u.median() / channel.median(), ">= 0.8"));
        report.add(new Row("exec", "download " + mib + " MiB", "java api", "MiB/s", d, "channel throughput",
                d.median() / channel.median(), ">= 0.8"));
    }
}
