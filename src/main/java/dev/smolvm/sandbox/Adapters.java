package dev.smolvm.sandbox;

import dev.smolvm.Home;
import dev.smolvm.guest.AgentChannel;
import dev.smolvm.guest.AgentMux;
import dev.smolvm.guest.Channel;
import dev.smolvm.guest.SshChannel;
import dev.smolvm.guest.SshTarget;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.runtime.VmSpec;
import dev.smolvm.store.SandboxRecord;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * Which adapter serves a sandbox: its {@link Backend}, its guest {@link Channel}, and what a
 * backend needs to find its VM again. The one place that picks a channel: an image that carries
 * the guest agent gets the agent's channel here, and the boot, exec and stop follow.
 */
final class Adapters {
    private final Home home;
    private final Map<BackendKind, Backend> backends;
    private final AgentMux agentMux;

    Adapters(Home home, Map<BackendKind, Backend> backends) {
        this.home = home;
        this.backends = Map.copyOf(backends);
        this.agentMux = new AgentMux(home.root().resolve("bin"));
    }

    Backend backend(SandboxRecord r) {
        return backend(r.backend());
    }

    Backend backend(BackendKind kind) {
        return backends.get(kind);
    }

    Collection<Backend> all() {
        return backends.values();
    }

    /**
     * The guest channel of a sandbox: its guest agent over virtio-serial when it was booted with one
     * (QEMU made the agent's socket), else SSH over a ControlMaster (images built before the agent).
     */
    Channel channel(SandboxRecord r) {
        Path dir = home.sandboxDir(r.id());
        if (AgentMux.usedBy(dir)) {
            return new AgentChannel(dir, agentMux, () -> r.pid() != null && backend(r).isAlive(r.pid(), r.id()));
        }
        return new SshChannel(target(r));
    }

    AgentMux agentMux() {
        return agentMux;
    }

    SshTarget target(SandboxRecord r) {
        Path dir = home.sandboxDir(r.id());
        boolean user = r.netMode() == NetworkMode.USER;
        return new SshTarget(user ? "127.0.0.1" : r.guestIp(), user && r.sshPort() != null ? r.sshPort() : 22,
                "root", home.defaultSshKey(), dir.resolve("known_hosts"), dir.resolve("ssh.ctl"));
    }

    /** What a backend needs to find and end a VM that is already running. */
    static VmSpec specFor(Home home, SandboxRecord r) {
        Path dir = home.sandboxDir(r.id());
        return new VmSpec(r.id(), dir, null, null, null, "", r.memoryMib(), r.cpus(), r.diskMib(),
                r.netMode(), r.tap(), null, r.sshPort(), null, null);
    }
}
