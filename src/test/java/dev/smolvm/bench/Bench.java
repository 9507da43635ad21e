package dev.smolvm.bench;

import dev.smolvm.e2e.Cli;
import dev.smolvm.host.Accelerator;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code bench/run}: measures smolvm beside the limits of the same machine, in one run, and
 * writes bench/results/latest.md and latest.json. Benchmarks are not tests: nothing here asserts
 * a time. {@code --quick} makes fewer, smaller runs (CI's smoke pass);
 * {@code --out DIR} writes the results elsewhere. Naming sections runs only
 * those: {@code bench/run forwarding}.
 */
public final class Bench {
    static final List<String> SECTIONS = List.of("boot", "density", "exec", "forwarding", "cli", "api", "cost");

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        Set<String> wanted = new LinkedHashSet<>();
        Path out = Path.of("bench/results");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--out") && i + 1 < args.length) {
                out = Path.of(args[++i]);
            } else if (!a.startsWith("--")) {
                if (!SECTIONS.contains(a)) {
                    System.err.println("bench: unknown section '" + a + "'; sections: " + String.join(", ", SECTIONS));
                    System.exit(2);
                }
                wanted.add(a);
            }
        }
        if (wanted.isEmpty()) {
            wanted.addAll(SECTIONS);
        }
        Report report = new Report();
        var accel = Accelerator.probe(System.getenv());
        report.context("accelerator", accel.name() + " (" + accel.reason() + ")");
        report.context("cores", Runtime.getRuntime().availableProcessors());
        report.context("mode", quick ? "quick (smoke pass: few, small runs)" : "full");
        Process server = null;
        try (Cli cli = Cli.withFreshHome()) {
            if (wanted.contains("boot")) {
                System.err.println("bench: boot");
                BootBench.run(cli, quick, report);
            }
            if (wanted.contains("density")) { // before the benchmark sandbox, which would only add noise
                System.err.println("bench: density");
                DensityBench.run(cli, quick, report);
            }
            System.err.println("bench: booting the benchmark sandbox");
            var created = check(cli.run("sandbox", "create", "--name", "bench", "--json"), "sandbox create");
            var data = created.json().get("data");
            String guestIp = data.get("network").get("guest_ip").asText();
            int serverPort = 0;
            if (wanted.contains("exec") || wanted.contains("api")) {
                server = startServer(cli);
                serverPort = port(server);
            }
            if (wanted.contains("exec")) {
                System.err.println("bench: exec");
                ExecBench.run(cli, "bench", data.get("id").asText(), guestIp, serverPort, quick, report);
            }
            if (wanted.contains("forwarding")) {
                System.err.println("bench: forwarding");
                ForwardingBench.run(cli, "bench", guestIp, quick, report);
            }
            if (wanted.contains("cli")) {
                System.err.println("bench: cli start-up");
                CliBench.run(cli, "bench", quick, report);
            }
            if (wanted.contains("api")) {
                System.err.println("bench: api");
                ApiBench.run(serverPort, quick, report);
            }
            if (wanted.contains("cost")) {
                System.err.println("bench: cost");
                CostBench.run(cli, "bench", data.get("pid").asLong(), data.get("id").asText(), report);
            }
        } finally {
            if (server != null) {
                server.destroy();
                server.waitFor();
            }
        }
        report.write(out);
        System.err.println("bench: wrote " + out.resolve("latest.md") + " and latest.json");
    }

    /** The HTTP API as its own process, the way a client would use it. */
    private static Process startServer(Cli cli) throws java.io.IOException {
        ProcessBuilder pb = new ProcessBuilder(Proc.launcher(), "server", "start", "--port", "0")
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(cli.env());
        return pb.start();
    }

    private static int port(Process server) throws java.io.IOException {
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream()));
        String line = reader.readLine();
        if (line == null || !line.contains("listening on http://127.0.0.1:")) {
            throw new IllegalStateException("server did not start: " + line);
        }
        return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).strip());
    }

    static Cli.Result check(Cli.Result r, String what) {
        if (r.code() != 0) {
            throw new IllegalStateException(what + " failed: " + r);
        }
        return r;
    }
}
