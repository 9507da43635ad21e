package dev.smolvm.sandbox;

import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.Progress;
import dev.smolvm.image.GuestImage;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.Backend;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStatus;
import dev.smolvm.store.SandboxStore;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

/**
 * Start, stop and delete of an existing sandbox, each under the sandbox's lock and on a record
 * reconciled with the host.
 */
final class SandboxLifecycle {
    private final Sandboxes sandboxes;
    private final Home home;
    private final SandboxStore store;
    private final Adapters adapters;
    private final Reaper reaper;
    private final SandboxParts parts;

    SandboxLifecycle(Sandboxes sandboxes, SandboxParts parts) {
        this.sandboxes = sandboxes;
        this.home = parts.home();
        this.store = parts.store();
        this.adapters = parts.adapters();
        this.reaper = parts.reaper();
        this.parts = parts;
    }

    Sandbox start(String ref, Duration bootTimeout, Progress progress) {
        if (bootTimeout != null && (bootTimeout.isNegative() || bootTimeout.isZero())) {
            throw SmolvmException.invalid("the boot timeout must be a positive number of seconds, not "
                    + bootTimeout.toSeconds() + ".");
        }
        SandboxRecord r = sandboxes.reconciled(ref);
        try (FileLock ignored = sandboxes.lockOf(r.id())) {
            r = sandboxes.reconciled(r.id());
            SandboxStatus status = r.status();
            if (status.hasVm()) {
                if (status == SandboxStatus.RUNNING) {
                    return sandboxes.view(r);
                }
                if (status == SandboxStatus.PAUSED) {
                    throw Pauses.pausedError(r);
                }
                throw SmolvmException.conflict("sandbox '" + r.name() + "' is " + status.wireName() + " already.");
            }
            Backend backend = adapters.backend(r);
            NetworkMode networkMode = parts.readiness().forBackend(backend, progress);
            GuestImage image = resolveImage(r);
            SandboxRecord starting = r.withStatus(SandboxStatus.STARTING, null);
            Boot boot = sandboxes.boot(starting, image, networkMode,
                    bootTimeout == null ? CreateRequest.DEFAULT_BOOT_TIMEOUT : bootTimeout, progress);
            // A start that does not finish leaves the sandbox in error, with the reason, and nothing running.
            Phase record = Phase.of("record", () -> store.update(starting), () -> store.find(starting.id())
                    .ifPresent(now -> store.update(now.withoutVm().withStatus(SandboxStatus.ERROR,
                            boot.failureReason()))));
            Phase forwards = Phase.of("forwards",
                    () -> parts.listeners().forEach(l -> l.started(sandboxes.view(boot.record()), progress)),
                    () -> parts.listeners().forEach(l -> l.released(sandboxes.view(boot.record()), false)));
            return sandboxes.view(boot.run(record, List.of(forwards)));
        }
    }

    Sandbox stop(String ref, Duration timeout) {
        if (timeout != null && timeout.isNegative()) { // 0: power off at once, no wait for the guest
            throw SmolvmException.invalid("the stop timeout must not be negative (it was " + timeout.toSeconds()
                    + " s).");
        }
        SandboxRecord r = sandboxes.reconciled(ref);
        try (FileLock ignored = sandboxes.lockOf(r.id())) {
            r = sandboxes.reconciled(r.id());
            SandboxStatus status = r.status();
            if (status.hasVm() && r.pid() != null) {
                if (status == SandboxStatus.PAUSED) {
                    try {
                        adapters.backend(r).setPaused(Adapters.specFor(home, r), "sandbox '" + r.name() + "'", false);
                    } catch (SmolvmException e) {
                        // a paused guest cannot power itself off; the kill below ends it either way
                    }
                }
                SandboxRecord vm = r;
                adapters.backend(r).powerOff(r.pid(), r.id(), Adapters.specFor(home, r), timeout,
                        () -> adapters.channel(vm).requestPowerOff());
            }
            reaper.releaseRuntime(r, false);
            SandboxRecord stopped = r.withoutVm().withStatus(SandboxStatus.STOPPED,
                    status == SandboxStatus.ERROR ? r.lastError() : null);
            store.update(stopped);
            return sandboxes.view(stopped);
        }
    }

    /** Deletes the sandbox and everything it holds. A running one needs {@code force}. */
    Sandbox delete(String ref, boolean force) {
        SandboxRecord r = sandboxes.reconciled(ref);
        try (FileLock ignored = sandboxes.lockOf(r.id())) {
            r = sandboxes.reconciled(r.id());
            SandboxStatus status = r.status();
            if (status.hasVm()) {
                if (!force) {
                    throw SmolvmException.conflict("sandbox '" + r.name() + "' is " + status.wireName()
                            + "; stop it first or pass --force.");
                }
                reaper.killVm(r);
            }
            Sandbox gone = sandboxes.view(r.withoutVm()); // as it was just before it went away
            reaper.releaseRuntime(r, true);
            reaper.remove(r.id());
            return gone;
        } finally {
            try {
                Files.deleteIfExists(sandboxes.lockFile(r.id()));
            } catch (IOException ignored) {
                // a stale lock file is harmless
            }
        }
    }

    private GuestImage resolveImage(SandboxRecord r) {
        if (r.os() == null) { // an image given by reference or path
            return parts.images().resolve(r.image(), GuestOs.DEBIAN, Progress.SILENT);
        }
        return parts.images().resolve(null, r.os(), Progress.SILENT);
    }
}
