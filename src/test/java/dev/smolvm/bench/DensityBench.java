package dev.smolvm.bench;

import dev.smolvm.e2e.Cli;
import dev.smolvm.host.Ksm;
import dev.smolvm.host.KsmSetup;
import dev.smolvm.host.KsmdCpu;
import dev.smolvm.host.Poll;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Density: the marginal host memory of one idle sandbox restored from a shared snapshot, with KSM off
 * and on. {@code MemAvailable} (plus the free pages in per-CPU lists, which it leaves out) before
 * and after restoring N sandboxes, divided by N (RSS would count
 * each shared page again in every process); beside it the N QEMUs' PSS, which the other users of a
 * shared machine cannot disturb. KSM's previous settings are put back at the end, always.
 */
final class DensityBench {
    private static final int MEMORY_MIB = 512;
    private static final String SNAPSHOT = "density";

    private DensityBench() {
    }

    static void run(Cli cli, boolean quick, Report report) throws Exception {
        int n = quick ? 2 : 8;
        Ksm ksm = Ksm.system();
        boolean canChange = ksm.available() && java.nio.file.Files.isWritable(ksm.root().resolve("run"));
        if (!canChange) {
            System.err.println("bench: density: KSM cannot be changed here (no " + ksm.root() + ", or not root); "
                    + "only the KSM-off figures");
        }
        // --cold: a booted source, so its snapshot keeps the memory as a file every restore maps (GuestRam)
        Bench.check(cli.run("sandbox", "create", "--cold", "--name", "densitysrc", "--memory", String.valueOf(MEMORY_MIB)),
                "create");
        Thread.sleep(2000);
        Bench.check(cli.run("sandbox", "snapshot", "create", "densitysrc", "--name", SNAPSHOT), "snapshot create");
        Bench.check(cli.run("sandbox", "delete", "--force", "densitysrc"), "delete");
        Ksm.Settings previous = canChange ? ksm.settings() : null;
        Thread restore = new Thread(() -> ksm.apply(previous));
        List<String> names = new ArrayList<>();
        try {
            if (canChange) {
                Runtime.getRuntime().addShutdownHook(restore);
                ksm.apply(new Ksm.Settings(2, previous.pagesToScan(), previous.sleepMillisecs())); // off, unmerged
            }
            long others = otherQemus(List.of()).size();
            double before = memAvailableMib(List.of());
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                names.add("dense" + i);
                var r = Bench.check(cli.run("sandbox", "snapshot", "restore", SNAPSHOT, "--name", "dense" + i, "--json"),
                        "snapshot restore");
                pids.add(r.json().path("data").path("pid").asLong());
            }
            waitIdle(pids, quick ? Duration.ofSeconds(10) : Duration.ofSeconds(30));
            double off = (before - memAvailableMib(pids)) / n;
            double pssOff = pssMib(pids) / n;
            String path = "MemAvailable + per-CPU free, " + n + " restored";
            report.add(row("marginal host memory per idle sandbox, KSM off", path, "MiB", off, null, null, null));
            report.add(row("PSS per idle sandbox, KSM off", "QEMU smaps_rollup", "MiB", pssOff, null, null, null));
            if (canChange) {
                merge(ksm, pids, quick ? Duration.ofSeconds(20) : Duration.ofSeconds(120), report);
                double on = (before - memAvailableMib(pids)) / n;
                double pssOn = pssMib(pids) / n;
                report.add(row("marginal host memory per idle sandbox, KSM on", path, "MiB", on, "KSM off", on / off,
                        "<= 0.6"));
                report.add(row("PSS per idle sandbox, KSM on", "QEMU smaps_rollup", "MiB", pssOn, "KSM off",
                        pssOn / pssOff, null));
            }
            long othersAfter = otherQemus(pids).size();
            if (others + othersAfter > 0) {
                String note = "other QEMUs ran on this host meanwhile (" + others + " before, " + othersAfter
                        + " after): their PSS is added back to each MemAvailable reading";
                System.err.println("bench: density: " + note);
                report.context("density", note);
            }
        } finally {
            if (!names.isEmpty()) {
                cli.run(concat(List.of("sandbox", "delete", "--force"), names));
            }
            cli.run("sandbox", "snapshot", "delete", SNAPSHOT);
            if (canChange) {
                ksm.apply(previous);
                Runtime.getRuntime().removeShutdownHook(restore);
            }
        }
    }

    /**
     * Turns KSM on at setup's rate and waits until pages_sharing stops growing and the sandboxes' PSS
     * stops falling (KSM splits the huge pages a restore fills, and the kernel frees their zero-filled
     * parts); reports ksmd's CPU meanwhile.
     */
    private static void merge(Ksm ksm, List<Long> pids, Duration deadline, Report report) {
        KsmdCpu ksmd = KsmdCpu.system();
        Optional<Long> cpu0 = ksmd.cpuNanos();
        long t0 = System.nanoTime();
        ksm.apply(KsmSetup.ON);
        long scans0 = ksm.status().fullScans();
        long[] last = {-1, -1};
        boolean settled = Poll.until(deadline, Duration.ofSeconds(3), () -> {
            Ksm.Status s = ksm.status();
            long pss = (long) pssMib(pids);
            boolean still = s.fullScans() >= scans0 + 2 && last[0] > 0 && s.pagesSharing() - last[0] < last[0] / 100
                    && Math.abs(pss - last[1]) < last[1] / 100;
            last[0] = s.pagesSharing();
            last[1] = pss;
            return still;
        });
        long wall = System.nanoTime() - t0;
        Optional<Long> cpu1 = ksmd.cpuNanos();
        if (!settled) {
            System.err.println("bench: density: ksmd was still merging after " + deadline.toSeconds() + " s");
        }
        String path = KsmSetup.ON.pagesToScan() + " pages / " + KsmSetup.ON.sleepMillisecs() + " ms";
        report.add(row("memory KSM shares (pages_sharing)", path, "MiB", ksm.status().sharingMib(), null, null, null));
        report.add(row("time for KSM to settle" + (settled ? "" : " (deadline)"), path, "s", wall / 1e9, null, null, null));
        if (cpu0.isPresent() && cpu1.isPresent()) {
            report.add(row("ksmd CPU while merging", path, "% of a core",
                    KsmdCpu.percentOfCore(cpu0.get(), cpu1.get(), wall), null, null, null));
        }
    }

    /** Idle: the QEMUs' total RSS changed by under 1% in the last 2 s (the guests finished waking up). */
    private static void waitIdle(List<Long> pids, Duration deadline) {
        long[] last = {-1};
        Poll.until(deadline, Duration.ofSeconds(2), () -> {
            long rss = pids.stream().mapToLong(p -> {
                try {
                    return HostMemory.rssKb(p);
                } catch (IOException e) {
                    throw new IllegalStateException("sandbox QEMU " + p + " is gone: " + e.getMessage(), e);
                }
            }).sum();
            boolean still = last[0] > 0 && Math.abs(rss - last[0]) < last[0] / 100;
            last[0] = rss;
            return still;
        });
    }

    /** QEMU processes on this host that are not the ones measured (other homes, other users' tests). */
    private static List<Long> otherQemus(List<Long> ours) {
        return ProcessHandle.allProcesses()
                .filter(p -> !ours.contains(p.pid()))
                .filter(p -> p.info().command().map(c -> c.endsWith("qemu-system-x86_64")).orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    /**
     * MemAvailable plus the free pages in per-CPU lists, as if the other QEMUs on this host (other
     * homes, other users' tests) and this benchmark's own JVM were not there. MemAvailable leaves
     * the per-CPU free pages out, and right after the source sandbox's QEMU exits they held 52-114
     * MiB here against ~22 MiB once the restores had run: read alone, the "before" reading swung by
     * up to 60 MiB (7 MiB per sandbox) and with it the KSM ratio (0.37-0.70 over three sessions);
     * with them added, three "before" readings agreed within 2 MiB. The other QEMUs' and this JVM's
     * PSS are added back, so one starting or ending between two readings cancels out, and so does
     * this JVM's heap growing (the CLI calls run in it: 107 -> 146 MiB between two readings of one
     * run). The median of five readings a quarter second apart.
     */
    private static double memAvailableMib(List<Long> ours) throws Exception {
        List<Double> samples = new ArrayList<>();
        List<Long> self = List.of(ProcessHandle.current().pid());
        double perCpu = 0;
        for (int i = 0; i < 5; i++) {
            perCpu = HostMemory.perCpuFreeKb() / 1024.0;
            double raw = HostMemory.memAvailableKb() / 1024.0 + perCpu;
            samples.add(raw + pssMib(otherQemus(ours)) + pssMib(self));
            Thread.sleep(250);
        }
        double m = Stats.of(samples).median();
        System.err.printf(java.util.Locale.ROOT, "bench: density: MemAvailable + per-CPU free pages + other QEMUs' and"
                + " this JVM's PSS = %.1f MiB (per-CPU free: %.1f MiB, this JVM: %.1f MiB)%n", m, perCpu, pssMib(self));
        return m;
    }

    /** The processes' total PSS; one that has gone counts nothing. */
    private static double pssMib(List<Long> pids) {
        long kb = 0;
        for (long pid : pids) {
            try {
                kb += HostMemory.pssKb(pid);
            } catch (IOException e) {
                // ended between the listing and the read
            }
        }
        return kb / 1024.0;
    }

    private static Row row(String figure, String path, String unit, double value, String baseline, Double ratio,
                           String target) {
        return new Row("density", figure, path, unit, Stats.of(List.of(value)), baseline, ratio, target);
    }

    private static String[] concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all.toArray(String[]::new);
    }
}
