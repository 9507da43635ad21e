package dev.smolvm.sandbox;

import dev.smolvm.Home;
import dev.smolvm.guest.Channel;
import dev.smolvm.image.Images;
import dev.smolvm.network.Lease;
import dev.smolvm.network.TapNetwork;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.VmSpec;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStore;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Frees what one sandbox holds on the host, found by the tags smolvm puts on it: the VM by its
 * pid (checked against {@code -name smolvm-<id>}) or its pid file, the TAP by the record or its
 * lease ({@code smv<N>}, whose egress chain goes with it), the SSH ControlMaster by its socket
 * in the sandbox directory, port forwards through the listeners, then the directory and the
 * record. Every method is idempotent: what is gone already is skipped. Used by stop, delete,
 * reconciliation and failed boots; {@link Prune} uses it for what no record owns.
 */
final class Reaper {
    private final Home home;
    private final SandboxStore store;
    private final TapNetwork taps;
    private final Function<SandboxRecord, Backend> backends;
    private final Function<SandboxRecord, Channel> channels;
    private final List<Sandboxes.LifecycleListener> listeners;

    Reaper(Home home, SandboxStore store, TapNetwork taps, Function<SandboxRecord, Backend> backends,
           Function<SandboxRecord, Channel> channels, List<Sandboxes.LifecycleListener> listeners) {
        this.home = home;
        this.store = store;
        this.taps = taps;
        this.backends = backends;
        this.channels = channels;
        this.listeners = listeners;
    }

    /** Ends the sandbox's VM at once: by its recorded pid, or (never recorded) by its pid file. */
    void killVm(SandboxRecord r) {
        Long pid = r.pid() != null ? r.pid() : Boot.pidFromFile(VmSpec.pidFileIn(home.sandboxDir(r.id())));
        if (pid != null) {
            backends.apply(r).kill(pid, r.id(), Adapters.specFor(home, r), Duration.ofSeconds(5));
        }
    }

    /** Lets go of everything a VM held while it ran: SSH master, TAP device and egress chain, port forwards. */
    void releaseRuntime(SandboxRecord r, boolean deleting) {
        if (r.netMode() != null && r.guestIp() != null) {
            channels.apply(r).close();
        }
        if (r.tap() != null) {
            taps.down(r.tap());
        }
        for (Sandboxes.LifecycleListener listener : listeners) {
            listener.released(Sandbox.of(r), deleting);
        }
    }

    /** Removes the sandbox altogether: its VM, its TAP (known by the lease even before the record names it), directory and record. */
    void remove(String id) {
        SandboxRecord r = store.find(id).filter(x -> x.id().equals(id)).orElse(null);
        if (r != null) {
            killVm(r);
            String tap = r.tap() != null ? r.tap() : r.leaseIndex() != null ? new Lease(r.leaseIndex()).tapName() : null;
            if (tap != null) {
                taps.down(tap);
            }
        }
        Images.deleteTree(home.sandboxDir(id));
        store.delete(id);
    }
}
