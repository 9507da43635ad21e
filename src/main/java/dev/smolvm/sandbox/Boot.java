package dev.smolvm.sandbox;

import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.AgentMux;
import dev.smolvm.guest.Channel;
import dev.smolvm.guest.Readiness;
import dev.smolvm.guest.SshKeys;
import dev.smolvm.guest.SshTarget;
import dev.smolvm.host.FileModes;
import dev.smolvm.host.Poll;
import dev.smolvm.host.Progress;
import dev.smolvm.image.GuestImage;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.Lease;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.network.TapNetwork;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.VmSpec;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStatus;
import dev.smolvm.store.SandboxStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One boot of a sandbox, as named phases that each know their undo. The whole story of a boot
 * and of a failed one is {@link #phases}: a failure (or Ctrl-C/SIGTERM, through the shutdown hook)
 * in any phase undoes that phase and all before it, newest first. For example, a failure at
 * {@code tap} removes the half-made TAP, keeps the lease (it is the record's for its life) and
 * then undoes the first phase: a new sandbox's record and directory are deleted, a restarted
 * one is marked {@code error} with the reason. The error names the phase, and once the VM was
 * launched it carries where the console log was kept and its last lines.
 */
final class Boot {
    /** What the guest's init prints on the console once its network and keys are set up. */
    static final String GUEST_READY = "smolvm: guest ready";
    static final int CONSOLE_TAIL_LINES = 8;
    private final Home home;
    private final SandboxStore store;
    private final TapNetwork taps;
    private final Backend backend;
    private final Function<SandboxRecord, Channel> channels;
    private final GuestImage image;
    private final NetworkMode networkMode;
    private final Duration timeout;
    private final Progress progress;
    private final PhaseRunner runner = new PhaseRunner("boot");

    private SandboxRecord r;
    private Lease lease;
    private Integer sshPort;
    private VmSpec spec;
    private Long pid;
    private Channel channel;
    private Poll.Deadline deadline;
    private Restore restore;

    /**
     * A boot that loads a snapshot instead: its saved state and disk, the kernel command line it
     * booted with, and {@code beforeLoad}, which has returned before the VM loads the state (a
     * fork's clone starts while its snapshot is still being saved, and waits there for the save).
     */
    record Restore(Path snapshotDir, String kernelCmdline, List<String> bases, Runnable beforeLoad) {
        Restore(Path snapshotDir, String kernelCmdline, List<String> bases) {
            this(snapshotDir, kernelCmdline, bases, () -> { });
        }

        Restore beforeLoad(Runnable wait) {
            return new Restore(snapshotDir, kernelCmdline, bases, wait);
        }
    }

    /** In the sandbox directory: the kernel command line the VM was launched with (a snapshot keeps it). */
    static final String CMDLINE = "cmdline";

    Boot(Home home, SandboxStore store, TapNetwork taps, Backend backend, Function<SandboxRecord, Channel> channels,
         SandboxRecord r, GuestImage image, NetworkMode networkMode, Duration timeout, Progress progress) {
        this.home = home;
        this.store = store;
        this.taps = taps;
        this.backend = backend;
        this.channels = channels;
        this.r = r;
        this.image = image;
        this.networkMode = networkMode;
        this.timeout = timeout;
        this.progress = progress;
    }

    /** Makes this boot a restore of a snapshot (the guest then gets its own identity, phase {@code identity}). */
    Boot restoring(Restore from) {
        this.restore = from;
        return this;
    }

    /**
     * The boot's phases: {@code first} (the record: insert it, or mark it starting), then the host
     * resources in the order the guest needs them, then {@code last} (for example the forwards a
     * restarted sandbox gets back).
     */
    List<Phase> phases(Phase first, List<Phase> last) {
        List<Phase> p = new ArrayList<>();
        p.add(first);
        p.add(Phase.keep("dir", this::prepareDir)); // the directory is the record's: it goes with it
        if (networkMode == NetworkMode.TAP) {
            p.add(Phase.keep("lease", this::takeLease)); // likewise: the lease lives as long as the record
            // The TAP's undo also removes its egress chain, which the launch installs (beforeGuestRuns).
            p.add(Phase.of("tap", () -> taps.addTap(lease, TapNetwork.tag(r.id(), home.root())), () -> taps.down(lease.tapName())));
        } else {
            p.add(Phase.keep("ssh-port", () -> sshPort = freeLoopbackPort()));
        }
        p.add(Phase.of("launch", this::launch, this::stopVm));
        p.add(Phase.keep("wait-ready", () -> readiness().await(deadline, this::vmAlive, "sandbox '" + r.name() + "'")));
        if (restore != null) {
            p.add(Phase.keep("identity", this::takeIdentity));
        } else if (image.hasAgent()) {
            // The network and hostname came on the kernel command line; the clock (the RTC gives only
            // whole seconds) and fresh entropy come over the channel, one request.
            p.add(Phase.keep("clock", this::pushClock));
        }
        p.add(Phase.of("channel", () -> channel.open(deadline, this::vmAlive, "sandbox '" + r.name() + "'"),
                () -> channel.close()));
        p.add(Phase.keep("running", this::markRunning));
        p.addAll(last);
        return p;
    }

    /**
     * Runs the phases; undoes them on failure or interrupt (a shutdown hook is held while it runs).
     * Returns the running record.
     */
    SandboxRecord run(Phase first, List<Phase> last) {
        Thread onInterrupt = new Thread(runner::abort, "undo-boot-" + r.id());
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            runner.run(phases(first, last), this::keepConsole);
            return r;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running or has run
            }
        }
    }

    /** The record as the boot last wrote it. */
    SandboxRecord record() {
        return r;
    }

    /** Milliseconds per phase, in order. */
    Map<String, Long> timings() {
        return runner.timings();
    }

    /** Why the boot is being undone (for the record of a restart that failed). */
    String failureReason() {
        return runner.reason();
    }

    /**
     * When the guest counts as up: the guest agent's hello for an image that carries it (nothing to
     * watch on the console); else its init's console line, then the SSH channel's own readiness.
     */
    Readiness readiness() {
        return image.hasAgent() ? channel.readiness()
                : Readiness.consoleLine(spec.consoleLog(), GUEST_READY).and(channel.readiness());
    }

    // ---- the phases -------------------------------------------------------------------------

    private void prepareDir() {
        Path dir = home.sandboxDir(r.id());
        try {
            FileModes.privateDir(dir);
            if (restore != null) {
                Snapshots.writeBases(dir, restore.bases()); // before its disk stands on them
            }
            if (image.hasSsh()) {
                String hostKey = Files.readString(image.hostKey()).strip();
                Files.writeString(dir.resolve("known_hosts"), SshTarget.HOST_KEY_ALIAS + " " + hostKey + "\n");
            }
        } catch (IOException e) {
            throw SmolvmException.internal("cannot prepare " + dir + ": " + e.getMessage());
        }
    }

    private void takeLease() {
        Set<Integer> hostUsed = taps.indexesInUseOnHost();
        int index = store.leaseFor(r.id(), Lease.MAX_INDEX, i -> !hostUsed.contains(i));
        if (index < 0) {
            throw SmolvmException.unavailable("no free sandbox network left in " + Lease.POOL
                    + "; delete sandboxes you no longer need.");
        }
        lease = new Lease(index);
        r = r.withLease(index);
    }

    private void launch() {
        boolean tap = networkMode == NetworkMode.TAP;
        String guestIp = tap ? lease.guestIp() : "10.0.2.15";
        String hostIp = tap ? lease.hostIp() : "10.0.2.2";
        String cidr = tap ? guestIp + "/" + Lease.PREFIX : guestIp + "/24";
        String publicKey = SshKeys.ensure(home.defaultSshKey());
        String cmdline = restore != null ? restore.kernelCmdline() : backend.kernelCmdline(cidr, hostIp, tap ? TapNetwork.RESOLVER : "10.0.2.3",
                SandboxNames.hostname(r.name()),
                Base64.getEncoder().encodeToString((publicKey + "\n").getBytes(StandardCharsets.UTF_8)), r.cpus());
        spec = new VmSpec(r.id(), home.sandboxDir(r.id()), image.kernel(), image.initrd(), image.rootfs(), cmdline,
                r.memoryMib(), r.cpus(), r.diskMib(), networkMode, tap ? lease.tapName() : null,
                tap ? lease.mac() : null, sshPort,
                image.hasAgent() ? home.sandboxDir(r.id()).resolve(AgentMux.UPSTREAM) : null,
                restore != null ? restore.snapshotDir() : null);
        try {
            Files.writeString(home.sandboxDir(r.id()).resolve(CMDLINE), cmdline + "\n");
        } catch (IOException e) {
            throw SmolvmException.internal("cannot write " + home.sandboxDir(r.id()).resolve(CMDLINE) + ": " + e.getMessage());
        }
        progress.step((restore != null ? "Restoring" : "Booting") + " sandbox '" + r.name() + "' (" + r.backend() + ", " + backend.accelerator() + ", "
                + r.memoryMib() + " MiB)");
        // The egress rules are in place (and a fork's snapshot saved) before the guest runs; a
        // restore's QEMU starts meanwhile.
        pid = backend.boot(spec, () -> {
            if (tap) {
                long t0 = System.nanoTime();
                taps.applyEgress(r.id(), lease.tapName(), policy());
                dev.smolvm.host.Trace.mark("boot: egress, during launch (" + (System.nanoTime() - t0) / 1_000_000 + " ms)");
            }
            if (restore != null) {
                restore.beforeLoad().run();
            }
        });
        r = r.withRuntime(backend.accelerator(), networkMode, spec.tap(), guestIp, hostIp, sshPort, pid,
                Instant.now());
        store.update(r);
        channel = channels.apply(r);
        deadline = Poll.Deadline.in(timeout);
    }

    /** A restored guest takes its own identity ({@link GuestIdentity#take}). */
    private void takeIdentity() {
        boolean tap = networkMode == NetworkMode.TAP;
        GuestIdentity.take((dev.smolvm.guest.AgentChannel) channel, this::vmAlive, SandboxNames.hostname(r.name()),
                tap ? lease.guestIp() + "/" + Lease.PREFIX : null, tap ? lease.hostIp() : null, tap ? lease.mac() : null);
    }

    private void pushClock() {
        GuestIdentity.pushClock((dev.smolvm.guest.AgentChannel) channel, this::vmAlive);
    }

    /** The VM, by the pid it reported or (killed before it was recorded) by its pid file. */
    private void stopVm() {
        Long known = pid != null ? pid : pidFromFile(VmSpec.pidFileIn(home.sandboxDir(r.id())));
        if (known != null) {
            VmSpec s = spec != null ? spec : Adapters.specFor(home, r);
            backend.kill(known, r.id(), s, Duration.ofSeconds(5));
        }
    }

    private void markRunning() {
        r = r.withStatus(SandboxStatus.RUNNING, null);
        store.update(r);
        progress.step("Sandbox '" + r.name() + "' is running at " + r.guestIp()
                + (sshPort != null ? " (ssh via 127.0.0.1:" + sshPort + ")" : ""));
    }

    // ---- helpers ----------------------------------------------------------------------------

    private boolean vmAlive() {
        return backend.isAlive(pid, r.id());
    }

    private EgressPolicy policy() {
        return EgressPolicy.of(r.egress(), r.allowedCidrs());
    }

    /** Once the VM was launched: keeps its console log out of the directory, and quotes its end. */
    private String keepConsole() {
        if (spec == null || !Files.exists(spec.consoleLog())) {
            return "";
        }
        Path kept = home.keptConsoleLog(r.id());
        try {
            Files.createDirectories(home.logs());
            if (Files.exists(spec.consoleLog())) {
                Files.copy(spec.consoleLog(), kept, StandardCopyOption.REPLACE_EXISTING);
            }
            Path muxLog = home.sandboxDir(r.id()).resolve("agent-mux.log");
            if (Files.exists(muxLog)) { // what the host side of the agent's channel saw
                Files.copy(muxLog, home.logs().resolve(r.id() + "-agent-mux.log"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UncheckedIOException e) {
            kept = spec.consoleLog();
        }
        List<String> tail = ConsoleLogs.tail(kept, CONSOLE_TAIL_LINES);
        return "; the guest console log is at " + kept + (tail.isEmpty() ? "."
                : "; it ends with:\n  " + String.join("\n  ", tail));
    }

    static Long pidFromFile(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw SmolvmException.internal("no free loopback port for SSH: " + e.getMessage());
        }
    }
}
