package dev.smolvm.host;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code smolvm setup --ksm} and {@code --no-ksm}: turns KSM on at a rate that merges idle sandboxes
 * in seconds, and measures what ksmd then costs in CPU; or turns it off and unmerges.
 */
public final class KsmSetup {
    /**
     * 1000 pages every 20 ms (50,000 pages, ~195 MiB of guest RAM a second). Measured on a 2-core TCG
     * host with 8-9 idle 512 MiB sandboxes restored from one snapshot (docs/setup-and-doctor.md): the
     * kernel's default of 100 pages needs about a minute per pass over their ~1.3 GB and merges on the
     * second pass; 1000 pages settled in ~20 s for 8-13% of one core while merging and 1.5-3% after.
     */
    public static final Ksm.Settings ON = new Ksm.Settings(1, 1000, 20);
    /** How long setup watches ksmd to tell what it costs. */
    public static final Duration WINDOW = Duration.ofSeconds(2);

    private final Ksm ksm;
    private final KsmdCpu ksmd;
    private final Duration window;

    public KsmSetup(Ksm ksm, KsmdCpu ksmd, Duration window) {
        this.ksm = ksm;
        this.ksmd = ksmd;
        this.window = window;
    }

    public static KsmSetup system() {
        return new KsmSetup(Ksm.system(), KsmdCpu.system(), WINDOW);
    }

    /**
     * What a change left: the settings, memory shared, and ksmd's CPU over the window (null when there is
     * no ksmd thread to measure) with the pages it scanned per second then (-1 when the kernel does not say).
     */
    public record Result(Ksm.Settings settings, double sharingMib, Double ksmdCpuPercent, double measuredSeconds,
                         long pagesScannedPerSecond) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("running", settings.running());
            m.put("run", settings.run());
            m.put("pages_to_scan", settings.pagesToScan());
            m.put("sleep_millisecs", settings.sleepMillisecs());
            m.put("sharing_mib", round(sharingMib));
            m.put("ksmd_cpu_percent", ksmdCpuPercent == null ? null : round(ksmdCpuPercent));
            m.put("measured_seconds", round(measuredSeconds));
            m.put("pages_scanned_per_second", pagesScannedPerSecond);
            return m;
        }
    }

    /** Turns ksmd on at {@link #ON}'s rate and watches it for the window. */
    public Result turnOn(Progress progress) {
        ksm.apply(ON);
        progress.step("KSM on: ksmd scans " + ON.pagesToScan() + " pages every " + ON.sleepMillisecs()
                + " ms; measuring its CPU for " + window.toSeconds() + " s");
        return measure();
    }

    /** Stops ksmd and unmerges every merged page (run=2), keeping the scan rate for the next time. */
    public Result turnOff(Progress progress) {
        Ksm.Settings now = ksm.settings();
        progress.step("KSM off: stopping ksmd and unmerging what it merged");
        ksm.apply(new Ksm.Settings(2, now.pagesToScan(), now.sleepMillisecs()));
        return new Result(ksm.settings(), ksm.status().sharingMib(), null, 0, -1);
    }

    private Result measure() {
        Ksm.Status before = ksm.status();
        var cpuBefore = ksmd.cpuNanos();
        long t0 = System.nanoTime();
        Poll.sleep(window);
        long wall = System.nanoTime() - t0;
        Ksm.Status after = ksm.status();
        var cpuAfter = ksmd.cpuNanos();
        Double percent = cpuBefore.isPresent() && cpuAfter.isPresent()
                ? KsmdCpu.percentOfCore(cpuBefore.get(), cpuAfter.get(), wall) : null;
        long scanned = before.pagesScanned() < 0 || wall <= 0 ? -1
                : (after.pagesScanned() - before.pagesScanned()) * 1_000_000_000L / wall;
        return new Result(after.settings(), after.sharingMib(), percent, wall / 1e9, scanned);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
