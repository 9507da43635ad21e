package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.AgentChannel;
import dev.smolvm.guest.AgentMux;
import dev.smolvm.guest.GuestCommand;
import dev.smolvm.guest.agent.AgentClient;
import dev.smolvm.guest.agent.AgentException;
import dev.smolvm.guest.ShellMode;
import dev.smolvm.guest.SshChannel;
import dev.smolvm.guest.SshKeys;
import dev.smolvm.guest.SshTarget;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.FileModes;
import dev.smolvm.host.Progress;
import dev.smolvm.host.Trace;
import dev.smolvm.image.GuestImage;
import dev.smolvm.image.GuestOs;
import dev.smolvm.image.Images;
import dev.smolvm.image.oci.ImageConfig;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.Lease;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.network.TapNetwork;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.runtime.VmSpec;
import dev.smolvm.runtime.qemu.QemuArgv;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * The sandbox core: create, list, start, stop, delete and exec. Every read reconciles the stored
 * state with the host (a VM whose process is gone is not shown as running).
 */
public final class Sandboxes {
    /**
     * Something that holds resources of a sandbox (port forwards): it lets go when the VM ends
     * (stop, delete, crash) and may bring them back when the sandbox starts again.
     */
    public interface LifecycleListener {
        void released(Sandbox sandbox, boolean deleted);

        default void started(Sandbox sandbox, Progress progress) {
        }
    }

    private static final Duration STALE_BOOT = Duration.ofMinutes(15);
    /** What the guest's init prints on the console once its network and keys are set up. */
    static final String GUEST_READY = "smolvm: guest ready";
    private final Home home;
    private final SandboxStore store;
    private final Images images;
    private final Map<BackendKind, Backend> backends;
    private final HostReadiness readiness;
    private final TapNetwork tapNetwork = new TapNetwork();
    private final AgentMux agentMux;
    private final List<LifecycleListener> listeners = new CopyOnWriteArrayList<>();

    /**
     * {@code forcedNetwork} is the mode {@code SMOLVM_NETWORK} forces, or null: then each boot gets TAP
     * when the host can make TAP devices (decided after the host packages are installed), else user mode.
     */
    public Sandboxes(Home home, SandboxStore store, Images images, Map<BackendKind, Backend> backends,
                     NetworkMode forcedNetwork) {
        this.home = home;
        this.store = store;
        this.images = images;
        this.backends = Map.copyOf(backends);
        this.readiness = new HostReadiness(forcedNetwork, HostReadiness.REAL);
        this.agentMux = new AgentMux(home.root().resolve("bin"));
    }

    public void addListener(LifecycleListener listener) {
        listeners.add(listener);
    }

    /** The network mode a sandbox booted now would get. */
    public NetworkMode networkMode() {
        return readiness.current();
    }

    // ---- reads ------------------------------------------------------------------------------

    public List<Sandbox> list() {
        return store.all().stream().map(this::reconcile).map(Sandbox::of).toList();
    }

    public Sandbox get(String ref) {
        return Sandbox.of(reconcile(find(ref)));
    }

    private SandboxRecord find(String ref) {
        if (ref == null || ref.isBlank()) {
            throw SmolvmException.invalid("no sandbox name or id given.");
        }
        return store.find(ref).orElseThrow(() -> SmolvmException.notFound("no sandbox named '" + ref + "'")
                .hint("see 'smolvm sandbox list --all'", "GET /sandboxes lists them"));
    }

    /** Makes the record agree with the host: a VM that is gone is marked error and its resources freed. */
    private SandboxRecord reconcile(SandboxRecord r) {
        SandboxStatus status = SandboxStatus.fromWire(r.status());
        if (!status.hasVm()) {
            return r;
        }
        if (r.pid() == null) {
            boolean stale = Duration.between(r.startedAt() != null ? r.startedAt() : r.createdAt(), Instant.now())
                    .compareTo(STALE_BOOT) > 0;
            if (!stale) {
                return r; // another process is booting it right now
            }
        } else if (backend(r).isAlive(r.pid(), r.id())) {
            return r;
        }
        String why = r.pid() == null ? "boot never finished (the creating process went away)"
                : "the VM process (pid " + r.pid() + ") exited unexpectedly";
        releaseRuntime(r, false);
        SandboxRecord failed = clearRuntime(r).withStatus(SandboxStatus.ERROR.wireName(), why);
        store.update(failed);
        return failed;
    }

    // ---- lifecycle --------------------------------------------------------------------------

    public Sandbox create(CreateRequest request, Progress progress) {
        Trace.mark("create: start");
        CreateRequest req = request.validated();
        int hostCpus = Runtime.getRuntime().availableProcessors();
        if (req.cpus() != null && req.cpus() > hostCpus) {
            // More vCPUs than cores only makes the guest slower, and lets one sandbox starve the others.
            throw SmolvmException.invalid("cpus " + req.cpus() + " is more than this host's " + hostCpus
                    + " cores; use at most " + hostCpus + ".");
        }
        EgressPolicy policy = req.egressPolicy();
        BackendKind kind = req.backend() == null ? BackendKind.QEMU : BackendKind.parse(req.backend());
        GuestOs os = req.os() == null ? GuestOs.DEBIAN : GuestOs.parse(req.os());
        Backend backend = backends.get(kind);
        if (req.name() != null && store.find(req.name()).isPresent()) {
            throw SmolvmException.conflict("a sandbox named '" + req.name() + "' already exists")
                    .hint("pick another name or delete it with 'smolvm sandbox delete " + req.name() + "'",
                            "pick another name or DELETE /sandboxes/" + req.name() + " first");
        }
        NetworkMode networkMode = ensureHostReady(backend, progress);
        refuseUnenforceable(networkMode, policy);
        Trace.mark("create: host ready");
        GuestImage image = images.resolve(req.image(), os, progress);
        int diskMib = req.diskMib() == null ? Math.max(2048, image.rootfsMib()) : req.diskMib();
        if (diskMib < image.rootfsMib()) {
            throw SmolvmException.invalid("disk size " + diskMib + " MiB is smaller than the image's root "
                    + "filesystem (" + image.rootfsMib() + " MiB); use at least " + image.rootfsMib() + ".");
        }
        String id = SandboxNames.newId();
        String name = req.name() == null ? id : req.name();
        SandboxRecord r = new SandboxRecord(id, name, SandboxStatus.CREATING.wireName(),
                req.image() == null ? os.wireName() : "custom", req.image() == null ? image.name() : image.dir().toString(),
                kind.wireName(), backend.accelerator(),
                req.memoryMib() == null ? CreateRequest.DEFAULT_MEMORY_MIB : req.memoryMib(), diskMib,
                req.cpus() == null ? 1 : req.cpus(), networkMode.wireName(), null, null, null, null, null, null,
                Instant.now(), null, null, policy.mode().wireName(), policy.allowedStrings());
        if (!store.insertIfNameFree(r)) {
            throw SmolvmException.conflict("a sandbox named '" + name + "' already exists; pick another name.");
        }
        // A sandbox that never came up is not kept half-made: everything it took is given back, also
        // when this process is interrupted (Ctrl-C, SIGTERM) in the middle of the boot.
        Thread onInterrupt = new Thread(() -> discard(r.id()), "discard-" + r.id());
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            return Sandbox.of(boot(r, image, networkMode, bootTimeout(req), progress));
        } catch (RuntimeException e) {
            discard(r.id());
            throw e;
        } finally {
            removeHook(onInterrupt);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run
        }
    }

    public Sandbox start(String ref, Duration bootTimeout, Progress progress) {
        SandboxRecord r = reconcile(find(ref));
        try (FileLock ignored = lock(r.id())) {
            r = reconcile(find(r.id()));
            SandboxStatus status = SandboxStatus.fromWire(r.status());
            if (status.hasVm()) {
                if (status == SandboxStatus.RUNNING) {
                    return Sandbox.of(r);
                }
                throw SmolvmException.conflict("sandbox '" + r.name() + "' is " + status.wireName() + " already.");
            }
            Backend backend = backend(r);
            NetworkMode networkMode = ensureHostReady(backend, progress);
            GuestImage image = resolveImage(r);
            SandboxRecord starting = r.withStatus(SandboxStatus.STARTING.wireName(), null);
            store.update(starting);
            Sandbox started;
            String id = r.id();
            Thread onInterrupt = new Thread(() -> abandonBoot(id, "interrupted while starting"), "abandon-" + id);
            Runtime.getRuntime().addShutdownHook(onInterrupt);
            try {
                started = Sandbox.of(boot(starting, image, networkMode,
                        bootTimeout == null ? CreateRequest.DEFAULT_BOOT_TIMEOUT : bootTimeout, progress));
            } catch (RuntimeException e) {
                abandonBoot(id, e.getMessage());
                throw e;
            } finally {
                removeHook(onInterrupt);
            }
            for (LifecycleListener listener : listeners) {
                listener.started(started, progress);
            }
            return started;
        }
    }

    public Sandbox stop(String ref, Duration timeout) {
        SandboxRecord r = reconcile(find(ref));
        try (FileLock ignored = lock(r.id())) {
            r = reconcile(find(r.id()));
            SandboxStatus status = SandboxStatus.fromWire(r.status());
            if (status.hasVm()) {
                shutDown(r, timeout);
            }
            releaseRuntime(r, false);
            SandboxRecord stopped = clearRuntime(r).withStatus(SandboxStatus.STOPPED.wireName(),
                    status == SandboxStatus.ERROR ? r.lastError() : null);
            store.update(stopped);
            return Sandbox.of(stopped);
        }
    }

    /** Deletes the sandbox and everything it holds. A running one needs {@code force}. */
    public Sandbox delete(String ref, boolean force) {
        SandboxRecord r = reconcile(find(ref));
        try (FileLock ignored = lock(r.id())) {
            r = reconcile(find(r.id()));
            SandboxStatus status = SandboxStatus.fromWire(r.status());
            if (status.hasVm()) {
                if (!force) {
                    throw SmolvmException.conflict("sandbox '" + r.name() + "' is " + status.wireName()
                            + "; stop it first or pass --force.");
                }
                if (r.pid() != null) {
                    backend(r).kill(r.pid(), r.id(), specFor(r), Duration.ofSeconds(5));
                }
            }
            releaseRuntime(r, true);
            discard(r.id());
            return Sandbox.of(clearRuntime(r)); // as it was just before it went away
        } finally {
            try {
                Files.deleteIfExists(lockFile(r.id()));
            } catch (IOException ignored) {
                // a stale lock file is harmless
            }
        }
    }

    // ---- exec -------------------------------------------------------------------------------

    public ExecResult exec(String ref, ExecRequest req, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        SandboxRecord r = requireRunning(ref);
        req = req.withEnv(SandboxEnvFile.under(home.sandboxDir(r.id()), req.env())); // 'sandbox env' under --env
        if (AgentMux.usedBy(home.sandboxDir(r.id()))) {
            return execThroughAgent(r, req, stdin, stdout, stderr);
        }
        SshChannel channel = channel(r);
        String tag = SandboxNames.newId().substring(3) + Long.toHexString(System.nanoTime() & 0xffffff);
        String remote = req.shell() == ShellMode.LOGIN
                ? GuestCommand.login(req.loginScript(), req.cwd(), req.env(), tag)
                : GuestCommand.raw(req.rawArgv(), req.cwd(), req.env(), tag);
        long started = System.nanoTime();
        SshChannel.Outcome outcome = channel.exec(remote, Duration.ofSeconds(req.timeoutSeconds()), stdin, stdout,
                stderr, () -> channel.run(GuestCommand.kill(tag), Duration.ofSeconds(10)));
        if (outcome.exitCode() == 255 && !outcome.timedOut() && !channel.masterAlive()) {
            SandboxRecord now = reconcile(find(r.id()));
            if (!SandboxStatus.fromWire(now.status()).hasVm()) {
                throw new SmolvmException(ErrorCode.NOT_RUNNING, "sandbox '" + r.name() + "' stopped while the "
                        + "command ran (" + now.lastError() + ").");
            }
            throw SmolvmException.unavailable("could not reach sandbox '" + r.name() + "' over SSH at "
                    + r.guestIp()).hint("see 'smolvm sandbox info " + r.name() + "' and 'smolvm sandbox logs "
                    + r.name() + "'", "GET /sandboxes/" + r.id() + " shows its state");
        }
        return new ExecResult(outcome.exitCode(), outcome.timedOut(), (System.nanoTime() - started) / 1_000_000);
    }

    private ExecResult execThroughAgent(SandboxRecord r, ExecRequest req, InputStream stdin, OutputStream stdout,
                                        OutputStream stderr) {
        AgentChannel channel = agentChannel(r);
        long started = System.nanoTime();
        try (AgentClient client = channel.connect(() -> backend(r).isAlive(r.pid(), r.id()))) {
            AgentChannel.Outcome o = channel.exec(client, req.shell() == ShellMode.LOGIN ? req.loginScript() : null,
                    req.rawArgv(), req.cwd(), req.env(), execDefaults(r), Duration.ofSeconds(req.timeoutSeconds()),
                    stdin, stdout, stderr);
            return new ExecResult(o.exitCode(), o.timedOut(), (System.nanoTime() - started) / 1_000_000);
        } catch (AgentException e) {
            if (!"ECHANNEL".equals(e.agentCode())) {
                throw e;
            }
            SandboxRecord now = reconcile(find(r.id()));
            if (!SandboxStatus.fromWire(now.status()).hasVm()) {
                throw new SmolvmException(ErrorCode.NOT_RUNNING, "sandbox '" + r.name() + "' stopped while the "
                        + "command ran (" + now.lastError() + ").");
            }
            throw SmolvmException.unavailable("could not reach the guest agent of sandbox '" + r.name() + "': "
                    + e.getMessage()).hint("see 'smolvm sandbox info " + r.name() + "' and 'smolvm sandbox logs "
                    + r.name() + "'", "GET /sandboxes/" + r.id() + " shows its state");
        }
    }

    /** The image's Env and WorkingDir (pulled images record them), as defaults for every exec. */
    private AgentChannel.Defaults execDefaults(SandboxRecord r) {
        if (r.image() == null || !r.image().startsWith("/")) {
            return AgentChannel.Defaults.NONE; // a named image (the Debian one) has no such config
        }
        var config = ImageConfig.fromJson(new GuestImage(r.image(), Path.of(r.image())).info().path("config"));
        return new AgentChannel.Defaults(config.envMap(), config.workingDir());
    }

    /**
     * A client of the guest agent of a running sandbox (close it when done). A sandbox booted from
     * an image without the agent (built before it existed) is reached over SSH only: that is an
     * UNAVAILABLE with a sentence.
     */
    public AgentClient agentClient(String ref) {
        SandboxRecord r = requireRunning(ref);
        if (!AgentMux.usedBy(home.sandboxDir(r.id()))) {
            throw SmolvmException.unavailable("sandbox '" + r.name() + "' runs an image without the smolvm guest "
                    + "agent (built before it), so it has no file or shell channel; rebuild the image with "
                    + "'smolvm image build --force' and create the sandbox again");
        }
        return agentChannel(r).connect(() -> backend(r).isAlive(r.pid(), r.id()));
    }

    private AgentChannel agentChannel(SandboxRecord r) {
        return new AgentChannel(home.sandboxDir(r.id()), agentMux);
    }

    /** How to reach a running sandbox over SSH, as {@code user} with {@code key} (defaults when null). */
    public SshTarget sshTarget(String ref, String user, Path key) {
        SandboxRecord r = requireRunning(ref);
        if (AgentMux.usedBy(home.sandboxDir(r.id()))) {
            if (!Files.exists(home.sandboxDir(r.id()).resolve("known_hosts"))) {
                throw SmolvmException.unavailable("sandbox '" + r.name() + "' runs an image without sshd, so it "
                        + "cannot be reached over SSH").hint("use 'smolvm sandbox exec " + r.name() + " -- sh' instead",
                        "use POST /sandboxes/" + r.id() + "/exec instead");
            }
            startSshd(r);
        }
        SshTarget t = target(r);
        return t.as(user == null ? "root" : user, key == null ? home.defaultSshKey() : key);
    }

    /** The sandbox, which must be running (NOT_RUNNING otherwise, with how to start it). */
    public Sandbox running(String ref) {
        return Sandbox.of(requireRunning(ref));
    }

    /** The home directory of a sandbox's runtime files. */
    public Path dirOf(Sandbox sandbox) {
        return home.sandboxDir(sandbox.id());
    }

    private SandboxRecord requireRunning(String ref) {
        SandboxRecord r = reconcile(find(ref));
        SandboxStatus status = SandboxStatus.fromWire(r.status());
        if (status != SandboxStatus.RUNNING) {
            throw new SmolvmException(ErrorCode.NOT_RUNNING, "sandbox '" + r.name() + "' is not running (status: "
                    + status.wireName() + ")").hint("start it with 'smolvm sandbox start " + r.name()
                    + "', or pass --start", "POST /sandboxes/" + r.id() + "/start starts it");
        }
        return r;
    }

    // ---- internals --------------------------------------------------------------------------

    /** Installs what the backend needs, checks it can run, and says which network mode to boot with. */
    private NetworkMode ensureHostReady(Backend backend, Progress progress) {
        NetworkMode networkMode = readiness.ready(backend.kind() == BackendKind.QEMU, progress);
        backend.ensureAvailable();
        return networkMode;
    }

    /**
     * User-mode guests have no egress at all (QEMU's {@code restrict=on}, which is what keeps them
     * off the host's loopback services), so a list of allowed networks cannot be honoured there.
     */
    private static void refuseUnenforceable(NetworkMode networkMode, EgressPolicy policy) {
        if (networkMode == NetworkMode.USER && policy.mode() == EgressPolicy.Mode.RESTRICTED) {
            throw SmolvmException.unavailable("user-mode networking (SMOLVM_NETWORK=user, or not root) cannot "
                    + "enforce --network restricted: its sandboxes have no egress at all. Use TAP networking "
                    + "(run as root) for restricted, or --network off.");
        }
    }

    private Duration bootTimeout(CreateRequest req) {
        return req.bootTimeout() == null ? CreateRequest.DEFAULT_BOOT_TIMEOUT : req.bootTimeout();
    }

    private SandboxRecord boot(SandboxRecord r, GuestImage image, NetworkMode networkMode, Duration bootTimeout,
                               Progress progress) {
        Backend backend = backend(r);
        EgressPolicy policy = EgressPolicy.parse(r.egress(), r.allowedCidrs());
        refuseUnenforceable(networkMode, policy);
        Trace.mark("boot: start");
        String publicKey = SshKeys.ensure(home.defaultSshKey());
        Path dir = home.sandboxDir(r.id());
        try {
            FileModes.privateDir(dir);
            if (image.hasSsh()) {
                String hostKey = Files.readString(image.hostKey()).strip();
                Files.writeString(dir.resolve("known_hosts"), SshTarget.HOST_KEY_ALIAS + " " + hostKey + "\n");
            }
        } catch (IOException e) {
            throw SmolvmException.internal("cannot prepare " + dir + ": " + e.getMessage());
        }
        String tap = null;
        String mac = null;
        String guestIp;
        String hostIp;
        String gateway;
        Integer sshPort = null;
        String cidr;
        if (networkMode == NetworkMode.TAP) {
            Set<Integer> hostUsed = tapNetwork.indexesInUseOnHost();
            int index = store.leaseFor(r.id(), Lease.MAX_INDEX, i -> !hostUsed.contains(i));
            if (index < 0) {
                throw SmolvmException.unavailable("no free sandbox network left in " + Lease.POOL
                        + "; delete sandboxes you no longer need.");
            }
            Lease lease = new Lease(index);
            r = r.withLease(index);
            Trace.mark("boot: lease");
            tapNetwork.up(lease, r.id(), policy);
            Trace.mark("boot: tap up");
            tap = lease.tapName();
            mac = lease.mac();
            guestIp = lease.guestIp();
            hostIp = lease.hostIp();
            gateway = hostIp;
            cidr = guestIp + "/" + Lease.PREFIX;
        } else {
            sshPort = freeLoopbackPort();
            guestIp = "10.0.2.15";
            hostIp = "10.0.2.2";
            gateway = hostIp;
            cidr = guestIp + "/24";
        }
        String cmdline = QemuArgv.kernelCmdline(cidr, gateway, networkMode == NetworkMode.TAP ? TapNetwork.RESOLVER : "10.0.2.3",
                SandboxNames.hostname(r.name()),
                Base64.getEncoder().encodeToString((publicKey + "\n").getBytes(StandardCharsets.UTF_8)), r.cpus());
        boolean agent = image.hasAgent();
        VmSpec spec = new VmSpec(r.id(), dir, image.kernel(), image.initrd(), image.rootfs(), cmdline, r.memoryMib(),
                r.cpus(), r.diskMib(), networkMode, tap, mac, sshPort, agent ? dir.resolve(AgentMux.UPSTREAM) : null);
        progress.step("Booting sandbox '" + r.name() + "' (" + r.backend() + ", " + backend.accelerator() + ", "
                + r.memoryMib() + " MiB)");
        long pid;
        try {
            pid = backend.boot(spec);
            Trace.mark("boot: qemu started");
        } catch (RuntimeException e) {
            tapNetwork.down(tap);
            throw e;
        }
        SandboxRecord booting = r.withRuntime(backend.accelerator(), networkMode.wireName(), tap, guestIp, hostIp,
                sshPort, pid, Instant.now());
        store.update(booting);
        SshChannel channel = channel(booting);
        try {
            BooleanSupplier alive = () -> backend.isAlive(pid, booting.id());
            if (agent) {
                // Ready when the agent says hello: no console watch, no port-22 poll, no handshake.
                agentMux.start(dir);
                new AgentChannel(dir, agentMux).awaitReady(bootTimeout, alive, "sandbox '" + r.name() + "'");
            } else {
                ConsoleWatch console = new ConsoleWatch(spec.consoleLog(), GUEST_READY);
                channel.awaitReady(bootTimeout, alive, console::seen, "sandbox '" + r.name() + "'");
            }
        } catch (RuntimeException e) {
            Path kept = keepConsoleLog(spec);
            backend.kill(pid, r.id(), spec, Duration.ofSeconds(5));
            AgentMux.stop(dir);
            channel.closeMaster();
            tapNetwork.down(tap);
            throw new SmolvmException(e instanceof SmolvmException se ? se.code() : ErrorCode.INTERNAL,
                    e.getMessage() + "; the guest console log is at " + kept + ".");
        }
        Trace.mark(agent ? "boot: agent ready" : "boot: ssh ready");
        SandboxRecord running = booting.withStatus(SandboxStatus.RUNNING.wireName(), null);
        store.update(running);
        progress.step("Sandbox '" + r.name() + "' is running at " + guestIp
                + (sshPort != null ? " (ssh via 127.0.0.1:" + sshPort + ")" : ""));
        return running;
    }

    private Path keepConsoleLog(VmSpec spec) {
        Path kept = home.keptConsoleLog(spec.id());
        try {
            Files.createDirectories(home.logs());
            if (Files.exists(spec.consoleLog())) {
                Files.copy(spec.consoleLog(), kept, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException ignored) {
            return spec.consoleLog();
        }
        return kept;
    }

    /** A start that did not finish: its VM (if any) is killed, its resources freed, and it is marked error. */
    private void abandonBoot(String id, String why) {
        SandboxRecord now = store.find(id).orElse(null);
        if (now == null) {
            return;
        }
        if (now.pid() != null) {
            backend(now).kill(now.pid(), now.id(), specFor(now), Duration.ofSeconds(5));
        }
        releaseRuntime(now, false);
        store.update(clearRuntime(now).withStatus(SandboxStatus.ERROR.wireName(), why));
    }

    /** Graceful power-off through the guest, then QMP quit, then SIGKILL. */
    /**
     * sshd is not on an agent image's boot path: the agent starts it the first time SSH is wanted
     * ('sandbox ssh', an ssh tunnel), and the host waits for its port.
     */
    private void startSshd(SandboxRecord r) {
        AgentChannel channel = agentChannel(r);
        try (AgentClient client = channel.connect(() -> backend(r).isAlive(r.pid(), r.id()))) {
            channel.run(client, "[ -s /run/sshd.pid ] && kill -0 \"$(cat /run/sshd.pid)\" 2>/dev/null || /usr/sbin/sshd -r",
                    Duration.ofSeconds(30));
        }
        SshTarget t = target(r);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(t.host(), t.port()), 200);
                return;
            } catch (IOException e) {
                sleepQuietly(20);
            }
        }
        throw SmolvmException.unavailable("sshd in sandbox '" + r.name() + "' did not start listening on port 22 "
                + "within 20 s").hint("see 'smolvm sandbox logs " + r.name() + "'", null);
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void shutDown(SandboxRecord r, Duration timeout) {
        if (r.pid() == null) {
            return;
        }
        Backend backend = backend(r);
        Path dir = home.sandboxDir(r.id());
        if (backend instanceof dev.smolvm.runtime.qemu.QemuBackend qemu && backend.isAlive(r.pid(), r.id())
                && AgentMux.usedBy(dir)) {
            AgentChannel channel = agentChannel(r);
            try (AgentClient client = channel.connect(() -> backend.isAlive(r.pid(), r.id()))) {
                // In its own session: the mux ends what a leaving client started, but not this.
                channel.run(client, "/usr/lib/smolvm/busybox setsid /usr/lib/smolvm/busybox poweroff "
                        + ">/dev/null 2>&1 &", Duration.ofSeconds(5));
            } catch (SmolvmException e) {
                // no agent to ask: QMP quit and SIGKILL below
            }
            if (qemu.waitGone(r.pid(), r.id(), timeout)) {
                return;
            }
        } else if (backend instanceof dev.smolvm.runtime.qemu.QemuBackend qemu && backend.isAlive(r.pid(), r.id())) {
            channel(r).run("(/usr/lib/smolvm/busybox poweroff || poweroff) >/dev/null 2>&1 &", Duration.ofSeconds(5));
            if (qemu.waitGone(r.pid(), r.id(), timeout)) {
                return;
            }
        }
        backend.kill(r.pid(), r.id(), specFor(r), Duration.ofSeconds(5));
    }

    /** Lets go of everything a VM held while it ran: SSH master, TAP device, port forwards. */
    private void releaseRuntime(SandboxRecord r, boolean deleting) {
        AgentMux.stop(home.sandboxDir(r.id()));
        if (r.netMode() != null && r.guestIp() != null) {
            channel(r).closeMaster();
        }
        if (r.tap() != null) {
            tapNetwork.down(r.tap());
        }
        for (LifecycleListener listener : listeners) {
            listener.released(Sandbox.of(r), deleting);
        }
    }

    private static SandboxRecord clearRuntime(SandboxRecord r) {
        return r.withRuntime(r.accel(), r.netMode(), null, r.guestIp(), r.hostIp(), null, null, r.startedAt());
    }

    private void discard(String id) {
        SandboxRecord r = store.find(id).orElse(null);
        Long pid = r == null ? null : r.pid();
        if (pid == null) {
            pid = pidFromFile(home.sandboxDir(id).resolve("vm.pid")); // QEMU is up but not yet recorded
        }
        if (r != null && pid != null) {
            backend(r).kill(pid, r.id(), specFor(r), Duration.ofSeconds(5));
        }
        if (r != null) {
            // The TAP exists before the record names it (it is made before QEMU starts); the lease says which it is.
            String tap = r.tap() != null ? r.tap() : r.leaseIndex() != null ? new Lease(r.leaseIndex()).tapName() : null;
            if (tap != null) {
                tapNetwork.down(tap);
            }
        }
        Images.deleteTree(home.sandboxDir(id));
        store.delete(id);
    }

    private static Long pidFromFile(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private GuestImage resolveImage(SandboxRecord r) {
        if ("custom".equals(r.os())) {
            return images.resolve(r.image(), GuestOs.DEBIAN, Progress.SILENT);
        }
        return images.resolve(null, GuestOs.parse(r.os()), Progress.SILENT);
    }

    private Backend backend(SandboxRecord r) {
        return backends.get(BackendKind.parse(r.backend()));
    }

    private SshTarget target(SandboxRecord r) {
        Path dir = home.sandboxDir(r.id());
        boolean user = NetworkMode.fromWire(r.netMode()) == NetworkMode.USER;
        return new SshTarget(user ? "127.0.0.1" : r.guestIp(), user && r.sshPort() != null ? r.sshPort() : 22,
                "root", home.defaultSshKey(), dir.resolve("known_hosts"), dir.resolve("ssh.ctl"));
    }

    private SshChannel channel(SandboxRecord r) {
        return new SshChannel(target(r));
    }

    private VmSpec specFor(SandboxRecord r) {
        Path dir = home.sandboxDir(r.id());
        return new VmSpec(r.id(), dir, null, null, null, "", r.memoryMib(), r.cpus(), r.diskMib(),
                NetworkMode.fromWire(r.netMode()), r.tap(), null, r.sshPort(), null);
    }

    private Path lockFile(String id) {
        return home.root().resolve("locks").resolve(id + ".lock");
    }

    private FileLock lock(String id) {
        return FileLock.acquire(lockFile(id));
    }

    private static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw SmolvmException.internal("no free loopback port for SSH: " + e.getMessage());
        }
    }

    /** Names of all sandboxes, for {@code delete --all}. */
    public List<String> allIds() {
        List<String> ids = new ArrayList<>();
        for (SandboxRecord r : store.all()) {
            ids.add(r.id());
        }
        return ids;
    }
}
