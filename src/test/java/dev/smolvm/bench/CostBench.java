package dev.smolvm.bench;

import dev.smolvm.e2e.Cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Cost: host memory one idle sandbox takes beyond the guest RAM it actually uses (QEMU's RSS
 * minus the guest's own used memory, plus the agent mux), how many idle sandboxes would fit in the
 * memory this host has available, and the guest agent's own size and memory.
 */
final class CostBench {
    private CostBench() {
    }

    static void run(Cli cli, String sandbox, long qemuPid, String sandboxId, Report report) throws Exception {
        Thread.sleep(2000); // let the guest settle after the other sections
        double qemuRssMib = HostMemory.rssKb(qemuPid) / 1024.0;
        var free = Bench.check(cli.run("sandbox", "exec", sandbox, "--",
                "sh", "-c", "awk '/MemTotal/ {t=$2} /MemAvailable/ {a=$2} END {print t - a}' /proc/meminfo"), "guest meminfo");
        double guestUsedMib = Long.parseLong(free.out().strip()) / 1024.0;
        double masterMib = 0;
        Path muxPid = cli.home().resolve("sandboxes").resolve(sandboxId).resolve("agent-mux.pid");
        if (Files.exists(muxPid)) {
            masterMib = HostMemory.rssKb(Long.parseLong(Files.readString(muxPid).strip())) / 1024.0;
        }
        var agent = Bench.check(cli.run("sandbox", "exec", sandbox, "--", "sh", "-c",
                "p=$(pidof smolvm-agent | cut -d' ' -f1); grep VmRSS /proc/$p/status | tr -dc 0-9; echo; "
                        + "stat -c %s /usr/lib/smolvm/smolvm-agent"), "agent size");
        String[] agentFigures = agent.out().strip().split("\n");
        double overhead = Math.max(0, qemuRssMib - guestUsedMib) + masterMib;
        double perSandbox = qemuRssMib + masterMib;
        double availableMib = HostMemory.memAvailableKb() / 1024.0;
        report.add(one("QEMU RSS of an idle sandbox", "MiB", qemuRssMib));
        report.add(one("guest's own used memory", "MiB", guestUsedMib));
        report.add(one("agent mux RSS (host)", "MiB", masterMib));
        report.add(new Row("cost", "guest agent RSS, idle", "in the guest", "MiB",
                Stats.of(List.of(Long.parseLong(agentFigures[0]) / 1024.0)), null, null, "<= 2"));
        report.add(new Row("cost", "guest agent binary", "static, stripped", "MiB",
                Stats.of(List.of(Long.parseLong(agentFigures[1]) / 1048576.0)), null, null, "<= 1"));
        report.add(one("host memory beyond guest use", "MiB", overhead));
        report.add(one("idle sandboxes that fit in MemAvailable", "count", Math.floor(availableMib / perSandbox)));
    }

    private static Row one(String figure, String unit, double value) {
        return new Row("cost", figure, "idle 512 MiB sandbox", unit, Stats.of(List.of(value)), null, null, null);
    }
}
