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
 * a time. {@code --quick} makes fewer, smaller runs (CI's smoke pass). Naming sections runs only
 * those: {@code bench/run forwarding}.
 */
public final class Bench {
    static final List<String> SECTIONS = List.of("forwarding");

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        Set<String> wanted = new LinkedHashSet<>();
        for (String a : args) {
            if (!a.startsWith("--")) {
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
        try (Cli cli = Cli.withFreshHome()) {
            System.err.println("bench: booting the benchmark sandbox");
            var created = check(cli.run("sandbox", "create", "--name", "bench", "--json"), "sandbox create");
            String guestIp = created.json().get("data").get("network").get("guest_ip").asText();
            if (wanted.contains("forwarding")) {
                System.err.println("bench: forwarding");
                ForwardingBench.run(cli, "bench", guestIp, quick, report);
            }
        }
        Path out = Path.of(System.getProperty("bench.out", "bench/results"));
        report.write(out);
        System.err.println("bench: wrote " + out.resolve("latest.md") + " and latest.json");
    }

    static Cli.Result check(Cli.Result r, String what) {
        if (r.code() != 0) {
            throw new IllegalStateException(what + " failed: " + r);
        }
        return r;
    }
}
