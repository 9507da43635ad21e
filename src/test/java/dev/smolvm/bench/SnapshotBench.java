package dev.smolvm.bench;

import dev.smolvm.Smolvm;
import dev.smolvm.e2e.Cli;
import dev.smolvm.host.Progress;
import dev.smolvm.sandbox.ExecRequest;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Snapshots, against the same bare-QEMU boot floor as {@link BootBench}: saving an idle 512 MiB
 * sandbox (time, and bytes against its RAM), {@code snapshot restore} + first exec and
 * {@code sandbox fork} + first exec as a user types them and through the Java API (the targets are on
 * those rows: two CLI calls cost ~0.8 s of JVM start-up here, a quarter of the floor), and
 * resume → first exec through the Java API (a CLI call alone costs more than its 100 ms target).
 */
final class SnapshotBench {
    private static final int MEMORY_MIB = 512;

    private SnapshotBench() {
    }

    static void run(Cli cli, boolean quick, Report report, Stats bareBoot) throws Exception {
        int runs = quick ? 1 : 3;
        Map<String, String> env = cli.env();
        Bench.check(cli.run("sandbox", "create", "--name", "snapsrc", "--memory", String.valueOf(MEMORY_MIB)), "create");
        List<Double> save = new ArrayList<>();
        List<Double> stateMib = new ArrayList<>();
        List<Double> restoreExec = new ArrayList<>();
        List<Double> forkExec = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            var s = Bench.check(cli.run("sandbox", "snapshot", "create", "snapsrc", "--name", "bench" + i, "--json"),
                    "snapshot create");
            save.add(s.json().path("data").path("took_ms").asDouble());
            stateMib.add(s.json().path("data").path("state_bytes").asDouble() / (1 << 20));
            double r = Proc.timeOk(List.of(Proc.launcher(), "sandbox", "snapshot", "restore", "bench" + i, "--name",
                    "restored" + i), env);
            double e = Proc.timeOk(List.of(Proc.launcher(), "sandbox", "exec", "restored" + i, "--", "true"), env);
            restoreExec.add(r + e);
            double f = Proc.timeOk(List.of(Proc.launcher(), "sandbox", "fork", "snapsrc", "--name", "forked" + i), env);
            double fe = Proc.timeOk(List.of(Proc.launcher(), "sandbox", "exec", "forked" + i, "--", "true"), env);
            forkExec.add(f + fe);
            Bench.check(cli.run("sandbox", "delete", "--force", "restored" + i, "forked" + i), "delete");
        }
        List<Double> resume = new ArrayList<>();
        List<Double> restoreApi = new ArrayList<>();
        List<Double> forkApi = new ArrayList<>();
        try (Smolvm smolvm = Smolvm.open(env)) {
            smolvm.sandboxes().exec("snapsrc", ExecRequest.argv("true"), null, OutputStream.nullOutputStream(),
                    OutputStream.nullOutputStream()); // warm: the first call loads classes
            // The same two paths without a JVM start per command (each CLI call costs ~0.4 s of it here).
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                smolvm.snapshots().restore("bench" + i, "apirestored" + i, Progress.SILENT);
                firstExec(smolvm, "apirestored" + i);
                restoreApi.add((System.nanoTime() - t0) / 1e6);
                t0 = System.nanoTime();
                smolvm.snapshots().fork("snapsrc", "apiforked" + i, 1, Progress.SILENT);
                firstExec(smolvm, "apiforked" + i);
                forkApi.add((System.nanoTime() - t0) / 1e6);
                Bench.check(cli.run("sandbox", "delete", "--force", "apirestored" + i, "apiforked" + i), "delete");
            }
            for (int i = 0; i < (quick ? 2 : 10); i++) {
                smolvm.pauses().pause("snapsrc");
                long t0 = System.nanoTime();
                smolvm.pauses().resume("snapsrc");
                firstExec(smolvm, "snapsrc");
                resume.add((System.nanoTime() - t0) / 1e6);
            }
        }
        Bench.check(cli.run("sandbox", "delete", "--force", "snapsrc"), "delete");
        for (int i = runs - 1; i >= 0; i--) { // each later snapshot of snapsrc stands on the one before
            cli.run("prune"); // the forks' hidden snapshots, the latest of which stands on this one
            Bench.check(cli.run("sandbox", "snapshot", "delete", "bench" + i), "snapshot delete");
        }
        cli.run("prune");
        Stats s = Stats.of(save);
        report.add(new Row("snapshot", "snapshot create, idle " + MEMORY_MIB + " MiB", "cli", "ms", s, null, null, null));
        Stats b = Stats.of(stateMib);
        report.add(new Row("snapshot", "snapshot state size", "cli", "MiB", b, "guest RAM", b.median() / MEMORY_MIB,
                "<= 0.25"));
        Stats r = Stats.of(restoreExec);
        report.add(new Row("snapshot", "restore → first exec", "cli", "ms", r, "bare QEMU", r.median() / bareBoot.median(),
                null));
        Stats ra = Stats.of(restoreApi);
        report.add(new Row("snapshot", "restore → first exec", "java api", "ms", ra, "bare QEMU",
                ra.median() / bareBoot.median(), "<= 0.3"));
        Stats f = Stats.of(forkExec);
        report.add(new Row("snapshot", "fork → first exec in the clone", "cli", "ms", f, "bare QEMU",
                f.median() / bareBoot.median(), null));
        Stats fa = Stats.of(forkApi);
        report.add(new Row("snapshot", "fork → first exec in the clone", "java api", "ms", fa, "bare QEMU",
                fa.median() / bareBoot.median(), "<= 0.5"));
        report.add(new Row("snapshot", "resume → first exec", "java api", "ms", Stats.of(resume), null, null,
                "<= 100 ms"));
    }

    private static void firstExec(Smolvm smolvm, String name) {
        smolvm.sandboxes().exec(name, ExecRequest.argv("true"), null, OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream());
    }
}
