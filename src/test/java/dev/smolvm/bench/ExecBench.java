package dev.smolvm.bench;

import dev.smolvm.Smolvm;
import dev.smolvm.e2e.Cli;
import dev.smolvm.guest.ShellMode;
import dev.smolvm.sandbox.ExecRequest;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Warm {@code exec true}: the raw persistent channel alone ({@code ssh -S ctl host true}) against
 * smolvm's Java API, the HTTP API (a separate server process) and the CLI, round-robin.
 */
final class ExecBench {
    private ExecBench() {
    }

    static void run(Cli cli, String sandbox, String sandboxId, String guestIp, int serverPort, boolean quick,
                    Report report) throws Exception {
        int n = quick ? 5 : 40;
        int cliN = quick ? 3 : 10;
        Path ctl = cli.home().resolve("sandboxes").resolve(sandboxId).resolve("ssh.ctl");
        List<String> raw = List.of("ssh", "-S", ctl.toString(), "-o", "ControlMaster=no", "-T", guestIp, "true");
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest execReq = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serverPort + "/sandboxes/"
                        + sandbox + "/exec"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"command\":\"true\"}")).build();
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        for (String p : List.of("raw ssh -S ctl", "java api", "http api", "cli")) {
            samples.put(p, new ArrayList<>());
        }
        try (Smolvm smolvm = Smolvm.open(cli.env())) {
            ExecRequest req = ExecRequest.argv("true");
            OutputStream sink = new ByteArrayOutputStream();
            for (int i = 0; i < n + 3; i++) {
                boolean warm = i >= 3; // the first rounds warm up the JIT and the guest's page cache
                double r = Proc.timeOk(raw, Map.of());
                long t0 = System.nanoTime();
                int code = smolvm.sandboxes().exec(sandbox, req, null, sink, sink).exitCode();
                double api = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                HttpResponse<String> resp = http.send(execReq, HttpResponse.BodyHandlers.ofString());
                double viaHttp = (System.nanoTime() - t0) / 1e6;
                if (code != 0 || resp.statusCode() != 200 || !resp.body().contains("\"exit_code\":0")) {
                    throw new IllegalStateException("exec failed: " + code + " / " + resp.body());
                }
                if (warm) {
                    samples.get("raw ssh -S ctl").add(r);
                    samples.get("java api").add(api);
                    samples.get("http api").add(viaHttp);
                }
            }
        }
        for (int i = 0; i < cliN; i++) {
            samples.get("cli").add(Proc.timeOk(List.of(Proc.launcher(), "sandbox", "exec", sandbox, "--", "true"), cli.env()));
        }
        Stats rawStats = Stats.of(samples.get("raw ssh -S ctl"));
        for (var e : samples.entrySet()) {
            Stats s = Stats.of(e.getValue());
            boolean base = e.getKey().startsWith("raw");
            report.add(new Row("exec", "warm exec true (p99 " + String.format(java.util.Locale.ROOT, "%.1f", s.p99()) + ")",
                    e.getKey(), "ms", s, base ? null : "raw ssh -S ctl", base ? null : s.median() / rawStats.median(),
                    e.getKey().equals("java api") || e.getKey().equals("http api") ? "<= 1.2" : null));
        }
    }
}
