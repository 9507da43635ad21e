package dev.smolvm.runtime.qemu;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.FileModes;
import dev.smolvm.host.Accelerator;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.GuestAslr;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.runtime.VmSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Runs guests with {@code qemu-system-x86_64}, daemonized, with a QMP socket and a serial log. */
public final class QemuBackend implements Backend {
    public static final String BINARY = "qemu-system-x86_64";
    private final Accelerator accelerator;
    private final GuestAslr aslr;
    private final java.util.function.Supplier<List<String>> launcher;

    public QemuBackend(Accelerator accelerator, GuestAslr aslr) {
        this(accelerator, aslr, List::of);
    }

    /**
     * {@code launcher}: what QEMU's command line is run through, e.g. a program that opens all of
     * QEMU's memory to KSM first (smolvm's mux binary, {@code --exec-mergeable --}); empty: QEMU itself.
     */
    public QemuBackend(Accelerator accelerator, GuestAslr aslr, java.util.function.Supplier<List<String>> launcher) {
        this.launcher = launcher;
        this.accelerator = accelerator;
        this.aslr = aslr;
    }

    @Override
    public BackendKind kind() {
        return BackendKind.QEMU;
    }

    @Override
    public String accelerator() {
        return accelerator.name();
    }

    @Override
    public void ensureAvailable() {
        if (!Cmd.onPath(BINARY) || !Cmd.onPath("qemu-img")) {
            throw SmolvmException.unavailable("QEMU is not installed (" + BINARY + " and qemu-img are needed); "
                    + "run 'smolvm setup' to install it.");
        }
    }

    @Override
    public long boot(VmSpec spec) {
        return boot(spec, () -> { });
    }

    /**
     * A restore from a memory file starts QEMU waiting ({@code -incoming defer}) until it is told to
     * load, so {@code beforeGuestRuns} runs while QEMU starts (~0.2 s); a boot, or a restore that
     * reads its memory from the stream, may run at once, so there it runs first.
     */
    @Override
    public long boot(VmSpec spec, Runnable beforeGuestRuns) {
        java.util.concurrent.CompletableFuture<Void> hostSetUp;
        if (GuestRam.fromFile(spec)) {
            hostSetUp = java.util.concurrent.CompletableFuture.runAsync(beforeGuestRuns, r -> {
                Thread t = new Thread(r, "smolvm-setup-" + spec.id());
                t.setDaemon(true);
                t.start();
            });
        } else {
            beforeGuestRuns.run();
            hostSetUp = java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        try {
            return start(spec, hostSetUp);
        } finally {
            try {
                hostSetUp.join(); // whatever became of the start, the set-up is not left running
            } catch (java.util.concurrent.CompletionException reportedOrMoot) {
                // start() rethrew it, or QEMU's own failure is the one to report
            }
        }
    }

    private long start(VmSpec spec, java.util.concurrent.CompletableFuture<Void> hostSetUp) {
        try {
            FileModes.privateDir(spec.dir());
            if (!Files.exists(spec.overlayDisk())) {
                if (spec.restoreFrom() != null) {
                    // A restore stands on the snapshot's frozen disk. Every new overlay on it is the same
                    // bytes, so it is a copy of one made once (a qemu-img process is ~30 ms of a restore).
                    Path template = overlayTemplate(spec.restoreFrom(), spec.diskMib());
                    Files.copy(template, spec.overlayDisk());
                } else { // a boot stands on the image's root (raw)
                    Cmd.of("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-F", "raw", "-b", spec.baseDisk().toString(),
                            spec.overlayDisk().toString(), spec.diskMib() + "M").check();
                }
            }
            Files.deleteIfExists(spec.pidFile());
            Files.deleteIfExists(spec.qmpSocket());
            Files.deleteIfExists(spec.consoleLog());
            Files.deleteIfExists(GuestRam.sharedFile(spec)); // a killed start's
            if (GuestRam.fromFile(spec)) {
                Path ram = spec.restoreFrom().resolve(GuestRam.FILE);
                if (Files.size(ram) != spec.memoryMib() * 1024L * 1024L) {
                    throw SmolvmException.invalid("the snapshot's memory file " + ram + " has " + Files.size(ram)
                            + " bytes, not the " + spec.memoryMib() + " MiB it was saved with: it is damaged; delete "
                            + "the snapshot and take a new one.");
                }
            }
            Path bootLog = spec.restoreFrom() != null ? VmSpec.consoleLogIn(spec.restoreFrom()) : null;
            if (bootLog != null && Files.isRegularFile(bootLog)) {
                Files.copy(bootLog, spec.consoleLog());
                Files.writeString(spec.consoleLog(), "[smolvm: restored from snapshot " + spec.restoreFrom().getFileName()
                        + " at " + java.time.Instant.now() + "]\n", java.nio.file.StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw SmolvmException.internal("cannot prepare " + spec.dir() + ": " + e.getMessage());
        }
        dev.smolvm.host.Trace.mark("qemu: disk ready");
        List<String> argv = new java.util.ArrayList<>(launcher.get());
        argv.addAll(QemuArgv.build(BINARY, accelerator.name(), spec));
        var r = Cmd.of(argv).withTimeout(Duration.ofSeconds(30)).run();
        dev.smolvm.host.Trace.mark("qemu: daemonized");
        if (!r.ok()) {
            throw SmolvmException.internal("QEMU failed to start: " + r.stderr().strip());
        }
        try {
            FileModes.privateFile(spec.qmpSocket()); // QEMU makes its sockets 0755 whatever the umask
            if (spec.agentSocket() != null) {
                FileModes.privateFile(spec.agentSocket());
            }
            long pid = Long.parseLong(Files.readString(spec.pidFile()).strip());
            Files.deleteIfExists(GuestRam.sharedFile(spec)); // QEMU holds it open: it goes when QEMU does
            try {
                hostSetUp.join();
            } catch (java.util.concurrent.CompletionException e) {
                kill(pid, spec.id(), spec, Duration.ofSeconds(5)); // it never ran: nothing to keep
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
            if (GuestRam.fromFile(spec)) {
                QemuSnapshots.startIncoming(spec);
            }
            if (spec.restoreFrom() != null) {
                QemuSnapshots.awaitLoaded(spec, () -> isAlive(pid, spec.id()));
                dev.smolvm.host.Trace.mark("qemu: state loaded, running");
            }
            return pid;
        } catch (IOException | NumberFormatException e) {
            if (spec.restoreFrom() != null) {
                throw QemuSnapshots.notLoaded(); // it exits while still loading a state it cannot read
            }
            throw SmolvmException.internal("QEMU started but wrote no pid file at " + spec.pidFile());
        }
    }

    /** An empty overlay on {@code snapshotDir}'s disk, made once per snapshot and size; it goes with the snapshot. */
    static Path overlayTemplate(Path snapshotDir, int diskMib) throws IOException {
        Path template = snapshotDir.resolve("overlay-" + diskMib + "M.qcow2");
        if (!Files.isRegularFile(template)) {
            Path tmp = Files.createTempFile(snapshotDir, ".overlay-", ".tmp");
            Files.delete(tmp); // qemu-img makes it
            try {
                Cmd.of("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-F", "qcow2", "-b",
                        snapshotDir.resolve("disk.qcow2").toString(), tmp.toString(), diskMib + "M").check();
                Files.move(tmp, template, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return template;
    }

    @Override
    public Map<String, String> snapshot(VmSpec spec, String subject, Path state, Path frozenDisk, boolean resume,
                                        Runnable filesReady) {
        return QemuSnapshots.save(spec, subject, state, frozenDisk, resume, filesReady);
    }

    @Override
    public java.util.List<Path> leftoverFiles() {
        return GuestRam.leftovers();
    }

    /** The shared-memory file a booted VM's RAM is created in (deleted once QEMU has it open). */
    public static Path ramFileOf(VmSpec spec) {
        return GuestRam.sharedFile(spec);
    }

    @Override
    public boolean canSnapshot() {
        return true;
    }

    @Override
    public Map<String, String> restoreTarget() {
        return Map.of("qemu_version", QemuSnapshots.hostVersion(), "machine", QemuSnapshots.MACHINE,
                "vm_layout", GuestRam.LAYOUT);
    }

    @Override
    public boolean isAlive(long pid, String sandboxId) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline"));
            String s = new String(cmdline, java.nio.charset.StandardCharsets.UTF_8);
            if (!s.contains("smolvm-" + sandboxId)) {
                return false;
            }
            // A zombie still has a cmdline only briefly, but be exact: state Z is not alive.
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close < 0 || stat.length() <= close + 2 || stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void kill(long pid, String sandboxId, VmSpec spec, Duration timeout) {
        if (!isAlive(pid, sandboxId)) {
            return;
        }
        Qmp.send(spec.qmpSocket(), "quit");
        if (waitGone(pid, sandboxId, timeout)) {
            return;
        }
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        waitGone(pid, sandboxId, Duration.ofSeconds(5));
    }

    /** QEMU processes whose {@code -pidfile} lies in a sandbox directory under {@code sandboxesDir}. */
    @Override
    public Map<Long, String> vmsUnder(Path sandboxesDir) {
        Map<Long, String> out = new TreeMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.toList()) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                List<String> argv;
                try {
                    argv = List.of(new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                            .split("\0"));
                } catch (IOException gone) {
                    continue;
                }
                int at = argv.indexOf("-pidfile");
                if (at < 0 || at + 1 >= argv.size() || !argv.contains("-name")) {
                    continue;
                }
                Path pidFile = Path.of(argv.get(at + 1)).normalize();
                String id = pidFile.getParent() == null ? null : pidFile.getParent().getFileName().toString();
                long pid = Long.parseLong(name);
                if (id != null && sandboxesDir.normalize().equals(pidFile.getParent().getParent()) && isAlive(pid, id)) {
                    out.put(pid, id);
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    @Override
    public String kernelCmdline(String guestCidr, String gateway, String dns, String hostname,
                                String authorizedKeyBase64, int cpus) {
        return QemuArgv.kernelCmdline(guestCidr, gateway, dns, hostname, authorizedKeyBase64, cpus, aslr.on());
    }

    /** QMP {@code stop} / {@code cont}. */
    @Override
    public void setPaused(VmSpec spec, String subject, boolean paused) {
        String command = paused ? "stop" : "cont";
        String answer;
        try {
            answer = Qmp.execute(spec.qmpSocket(), "{\"execute\":\"" + command + "\"}");
        } catch (java.io.IOException e) {
            throw SmolvmException.internal("could not reach the VM of " + subject + " over QMP: " + e.getMessage() + ".");
        }
        if (!answer.startsWith("{\"return\"")) {
            throw SmolvmException.internal("QEMU refused '" + command + "' for " + subject + ": " + answer + ".");
        }
    }
}
