package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.SshTarget;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.HostPrivileges;
import dev.smolvm.host.Progress;
import dev.smolvm.image.GuestImage;
import dev.smolvm.image.ImageLeftovers;
import dev.smolvm.image.Images;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.network.TapNetwork;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStatus;
import dev.smolvm.store.SandboxStore;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The sandbox core: create ({@link SandboxCreation}), list, start, stop and delete
 * ({@link SandboxLifecycle}), exec. Every read reconciles the stored state with the host (a VM
 * whose process is gone is not shown as running).
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
    private final Home home;
    private final SandboxStore store;
    private final Images images;
    private final Adapters adapters;
    private final HostReadiness readiness;
    private final TapNetwork tapNetwork = new TapNetwork();
    private final List<LifecycleListener> listeners = new CopyOnWriteArrayList<>();
    private final Reaper reaper;
    private final AgentAccess agents;
    private final BootSnapshots bootSnapshots;
    private final SandboxCreation creation;
    private final SandboxLifecycle lifecycle;

    /**
     * {@code forcedNetwork} is the mode {@code SMOLVM_NETWORK} forces, or null: then each boot gets TAP
     * when the host can make TAP devices (decided after the host packages are installed), else user mode.
     */
    public Sandboxes(Home home, SandboxStore store, Images images, Map<BackendKind, Backend> backends,
                     NetworkMode forcedNetwork, HostPrivileges privileges) {
        this.home = home;
        this.store = store;
        this.images = images;
        this.adapters = new Adapters(home, backends);
        this.readiness = new HostReadiness(forcedNetwork, HostReadiness.real(privileges));
        this.reaper = new Reaper(home, store, tapNetwork, adapters::backend, adapters::channel, listeners);
        this.agents = new AgentAccess(home, adapters);
        this.bootSnapshots = new BootSnapshots(new Snapshots(home, this));
        SandboxParts parts = new SandboxParts(home, store, images, adapters, readiness, reaper, listeners);
        this.creation = new SandboxCreation(this, parts, bootSnapshots);
        this.lifecycle = new SandboxLifecycle(this, parts);
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
        return store.all().stream().map(this::reconcile).map(this::view).toList();
    }

    public Sandbox get(String ref) {
        return view(reconcile(find(ref)));
    }

    /** Throws {@code conflict} when a sandbox is named {@code name} already (null: a name is generated, none taken). */
    void requireNameFree(String name) {
        if (name != null && store.find(name).isPresent()) {
            throw SmolvmException.conflict("a sandbox named '" + name + "' already exists")
                    .hint("pick another name or delete it with 'smolvm sandbox delete " + name + "'",
                            "pick another name or DELETE /sandboxes/" + name + " first");
        }
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
        SandboxStatus status = r.status();
        if (!status.hasVm()) {
            return r;
        }
        if (r.pid() == null) {
            boolean stale = Duration.between(r.startedAt() != null ? r.startedAt() : r.createdAt(), Instant.now())
                    .compareTo(STALE_BOOT) > 0;
            if (!stale) {
                return r; // another process is booting it right now
            }
        } else if (adapters.backend(r).isAlive(r.pid(), r.id())) {
            return r;
        }
        String why = r.pid() == null ? "boot never finished (the creating process went away)"
                : "the VM process (pid " + r.pid() + ") exited unexpectedly";
        reaper.releaseRuntime(r, false);
        SandboxRecord failed = r.withoutVm().withStatus(SandboxStatus.ERROR, why);
        store.update(failed);
        return failed;
    }

    // ---- lifecycle --------------------------------------------------------------------------

    /** A sandbox just created, and how long each boot phase took (milliseconds, in order). */
    public record Created(Sandbox sandbox, Map<String, Long> phases) {
    }

    public Sandbox create(CreateRequest request, Progress progress) {
        return createTimed(request, progress).sandbox();
    }

    /** {@link #create}, with the boot's phase timings. */
    public Created createTimed(CreateRequest request, Progress progress) {
        return creation.create(request, null, progress);
    }

    /** A new sandbox that loads a snapshot instead of booting ({@link Snapshots#restore}). */
    Sandbox createRestored(CreateRequest request, Boot.Restore restore, Progress progress) {
        return creation.create(request, restore, progress).sandbox();
    }

    public Sandbox start(String ref, Duration bootTimeout, Progress progress) {
        return lifecycle.start(ref, bootTimeout, progress);
    }

    public Sandbox stop(String ref, Duration timeout) {
        return lifecycle.stop(ref, timeout);
    }

    /** Deletes the sandbox and everything it holds. A running one needs {@code force}. */
    public Sandbox delete(String ref, boolean force) {
        return lifecycle.delete(ref, force);
    }

    // ---- exec -------------------------------------------------------------------------------

    public ExecResult exec(String ref, ExecRequest req, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        return exec(ref, req, stdin, stdout, stderr, new ExecSignals());
    }

    /** As above; {@code signals} reach the command's process group while it runs (agent channel only). */
    public ExecResult exec(String ref, ExecRequest req, InputStream stdin, OutputStream stdout, OutputStream stderr,
                           ExecSignals signals) {
        SandboxRecord r = requireRunning(ref);
        req = req.withEnv(SandboxEnvFile.under(home.sandboxDir(r.id()), req.env())); // 'sandbox env' under --env
        if (agents.reaches(r)) {
            return agents.exec(r, req, stdin, stdout, stderr, signals, () -> reconcile(find(r.id())));
        }
        return GuestExec.run(r, adapters.channel(r), req, stdin, stdout, stderr, () -> reconcile(find(r.id())));
    }

    /** How to reach a running sandbox over SSH, as {@code user} with {@code key} (defaults when null). */
    public SshTarget sshTarget(String ref, String user, Path key) {
        SandboxRecord r = requireRunning(ref);
        SshTarget t = adapters.target(r);
        if (agents.reaches(r)) {
            agents.startSshd(r, t);
        }
        return t.as(user == null ? "root" : user, key == null ? home.defaultSshKey() : key);
    }

    /** Before a snapshot: a running guest writes its dirty pages to disk (best effort, {@link AgentAccess#sync}). */
    void syncGuest(SandboxRecord r) {
        agents.sync(r);
    }

    /** A client of the guest agent of a running sandbox (close it when done); a sentence when it has none. */
    public dev.smolvm.guest.agent.AgentClient agentClient(String ref) {
        return agents.client(requireRunning(ref));
    }

    /** An interactive login shell on a guest pty of {@code rows} x {@code cols}; see {@link ShellSession}. */
    public ShellSession shell(String ref, int rows, int cols, InputStream keys, OutputStream screen) {
        return agents.shell(requireRunning(ref), rows, cols, keys, screen);
    }

    /** What callers see of {@code r}, with the channel its guest is reached through. */
    Sandbox view(SandboxRecord r) {
        // A running VM whose agent stopped answering is shown as error (the record stays running: the
        // VM is there to stop); it is running again as soon as the agent answers.
        SandboxRecord shown = agents.unresponsive(r).map(why -> r.withStatus(SandboxStatus.ERROR, why)).orElse(r);
        return Sandbox.of(shown, agents.reaches(r) ? "agent" : "ssh");
    }

    public Sandbox running(String ref) {
        return view(requireRunning(ref));
    }

    /** The home directory of a sandbox's runtime files. */
    public Path dirOf(Sandbox sandbox) {
        return home.sandboxDir(sandbox.id());
    }

    private SandboxRecord requireRunning(String ref) {
        SandboxRecord r = reconcile(find(ref));
        SandboxStatus status = r.status();
        if (status == SandboxStatus.PAUSED) {
            throw Pauses.pausedError(r);
        }
        if (status != SandboxStatus.RUNNING) {
            throw new SmolvmException(ErrorCode.NOT_RUNNING, "sandbox '" + r.name() + "' is not running (status: "
                    + status.wireName() + ")").hint("start it with 'smolvm sandbox start " + r.name()
                    + "', or pass --start", "POST /sandboxes/" + r.id() + "/start starts it");
        }
        return r;
    }

    // ---- internals --------------------------------------------------------------------------

    Boot boot(SandboxRecord r, GuestImage image, NetworkMode networkMode, Duration timeout, Progress progress) {
        HostReadiness.refuseUnenforceable(networkMode, EgressPolicy.of(r.egress(), r.allowedCidrs()));
        return new Boot(home, store, tapNetwork, adapters.backend(r), adapters::channel, r, image, networkMode, timeout, progress);
    }

    Path lockFile(String id) {
        return home.root().resolve("locks").resolve(id + ".lock");
    }

    /**
     * Removes what smolvm made for this home that no sandbox record owns (orphan VMs, TAPs, egress
     * chains, SSH masters, directories, forwards files); on a dry run only lists them. See {@link Prune}.
     */
    public Prune.Result prune(boolean dryRun) {
        return new Prune(home, store, tapNetwork, adapters.all(), new ImageLeftovers(images.root()),
                new Snapshots(home, this), bootSnapshots::stale).run(dryRun);
    }

    /**
     * {@link #exec} with stdout and stderr each captured up to {@link CapturedOutput#DEFAULT_LIMIT}
     * (what both doors answer with in JSON; past the limit the rest is dropped and it says truncated).
     */
    public CapturedExec execCaptured(String ref, ExecRequest req, InputStream stdin) {
        return CapturedExec.run((out, err) -> exec(ref, req, stdin, out, err));
    }

    /** Names of all sandboxes, for {@code delete --all}. */
    public List<String> allIds() {
        return store.all().stream().map(SandboxRecord::id).toList();
    }

    // ---- for the lifecycle, Pauses and Snapshots (package-private) -------------------------------------------------------

    /** The name of sandbox {@code id}, or the id when it has no record. */
    String nameOf(String id) {
        return store.find(id).map(SandboxRecord::name).orElse(id);
    }

    Backend backendFor(BackendKind kind) {
        return adapters.backend(kind);
    }

    /** The stored sandbox {@code ref} names, reconciled with the host. */
    SandboxRecord reconciled(String ref) {
        return reconcile(find(ref));
    }

    FileLock lockOf(String id) {
        return FileLock.acquire(lockFile(id));
    }

    void save(SandboxRecord r) {
        store.update(r);
    }

    Path dirOf(String id) {
        return home.sandboxDir(id);
    }

    Backend backendOf(SandboxRecord r) {
        return adapters.backend(r);
    }

    dev.smolvm.runtime.VmSpec specOf(SandboxRecord r) {
        return Adapters.specFor(home, r);
    }
}
