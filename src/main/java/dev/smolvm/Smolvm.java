package dev.smolvm;

import dev.smolvm.forward.PortForwards;
import dev.smolvm.doctor.Doctor;
import dev.smolvm.image.Images;
import dev.smolvm.host.Accelerator;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.GuestAslr;
import dev.smolvm.guest.AgentMux;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.runtime.UnsupportedBackend;
import dev.smolvm.runtime.qemu.QemuBackend;
import dev.smolvm.sandbox.ConsoleLogs;
import dev.smolvm.sandbox.SandboxEnv;
import dev.smolvm.sandbox.SandboxFiles;
import dev.smolvm.sandbox.Sandboxes;
import dev.smolvm.store.Database;
import dev.smolvm.store.SandboxStore;

import java.util.Map;

/**
 * The Java API and the one core behind the CLI and the HTTP server:
 * <pre>{@code
 * try (Smolvm smolvm = Smolvm.open(System.getenv())) {
 *     Sandbox sb = smolvm.sandboxes().create(CreateRequest.defaults(), Progress.SILENT);
 *     smolvm.sandboxes().exec(sb.id(), ExecRequest.argv("uname", "-a"), null, System.out, System.err);
 *     smolvm.sandboxes().delete(sb.id(), true);
 * }
 * }</pre>
 */
public final class Smolvm implements AutoCloseable {
    private final Home home;
    private final Database database;
    private final Accelerator accelerator;
    private final GuestAslr guestAslr;
    private final Images images;
    private final Sandboxes sandboxes;
    private final PortForwards forwards;
    private final SandboxFiles files;
    private final SandboxEnv sandboxEnv;
    private final Config config;

    private Smolvm(Config config) {
        // The environment was checked when the Config was parsed, before anything is opened.
        this.config = config;
        this.home = config.home();
        this.accelerator = Accelerator.probe(config.accelerator());
        this.guestAslr = GuestAslr.decide(config.guestAslr(), accelerator.name());
        this.database = Database.open(home.database());
        this.images = new Images(home.images(), config.env(), config.privileges());
        Map<BackendKind, Backend> backends = Map.of(
                // QEMU starts through the mux binary, which opens all its memory to KSM (when KSM runs).
                BackendKind.QEMU, new QemuBackend(accelerator, guestAslr,
                        new AgentMux(home.root().resolve("bin"))::mergeableLauncher),
                BackendKind.FIRECRACKER, new UnsupportedBackend(BackendKind.FIRECRACKER, "firecracker", accelerator),
                BackendKind.LIBKRUN, new UnsupportedBackend(BackendKind.LIBKRUN, "libkrun", accelerator));
        this.sandboxes = new Sandboxes(home, new SandboxStore(database), images, backends, config.network(),
                config.privileges());
        this.forwards = new PortForwards(home, sandboxes, config.portTransport(), config.privileges());
        sandboxes.addListener(forwards.lifecycle());
        this.files = new SandboxFiles(sandboxes);
        this.sandboxEnv = new SandboxEnv(home, sandboxes);
        sandboxes.addListener(sandboxEnv);
    }

    /**
     * Opens the smolvm home named by {@code SMOLVM_HOME} (default {@code ~/.smolvm}); a bad SMOLVM_*
     * variable is an invalid-input error naming it, before anything is opened ({@link Config}).
     */
    public static Smolvm open(Map<String, String> env) {
        return open(Config.fromEnvironment(env));
    }

    public static Smolvm open(Config config) {
        return new Smolvm(config);
    }

    public Config config() {
        return config;
    }

    public Home home() {
        return home;
    }

    public Sandboxes sandboxes() {
        return sandboxes;
    }

    /** {@code sandbox pause | resume}. */
    public dev.smolvm.sandbox.Pauses pauses() {
        return new dev.smolvm.sandbox.Pauses(sandboxes);
    }

    /** {@code sandbox snapshot create | list | delete | restore}. */
    public dev.smolvm.sandbox.Snapshots snapshots() {
        return new dev.smolvm.sandbox.Snapshots(home, sandboxes);
    }

    /** Sandboxes' serial console logs ({@code sandbox logs}). */
    public ConsoleLogs consoleLogs() {
        return new ConsoleLogs(home, sandboxes);
    }

    /** Files in and out of running sandboxes ({@code sandbox file}, {@code /sandboxes/{id}/files}). */
    public SandboxFiles files() {
        return files;
    }

    /** Variables kept for a sandbox and applied to every exec ({@code sandbox env}, {@code /sandboxes/{id}/env}). */
    public SandboxEnv sandboxEnv() {
        return sandboxEnv;
    }

    public PortForwards forwards() {
        return forwards;
    }

    public Images images() {
        return images;
    }

    public Accelerator accelerator() {
        return accelerator;
    }

    /** Removes an image unless a sandbox still boots from it (its disk is an overlay of the image). */
    public void removeImage(String ref) {
        // By directory name, or by the reference it was pulled from (alpine:3.20 is docker.io_library_alpine_3.20).
        String name = images.find(ref).map(dev.smolvm.image.GuestImage::name).orElse(ref);
        var users = sandboxes.list().stream()
                .filter(s -> name.equals(s.image()) || s.image().endsWith("/" + name))
                .map(dev.smolvm.sandbox.Sandbox::name).toList();
        if (!users.isEmpty()) {
            throw SmolvmException.conflict("image '" + ref + "' is used by sandbox(es) " + String.join(", ", users)
                    + "; delete them first.");
        }
        snapshots().removeBootSnapshotsOf(name);
        images.remove(ref);
    }

    public Doctor doctor() {
        return new Doctor(home, images, accelerator, sandboxes.networkMode(), guestAslr, config.privileges());
    }

    public Map<String, String> env() {
        return config.env();
    }

    @Override
    public void close() {
        database.close();
    }
}
