package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Progress;
import dev.smolvm.host.Trace;
import dev.smolvm.image.GuestImage;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.store.SandboxRecord;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The create path: a validated request becomes a record and a boot (or the restore of a snapshot),
 * and nothing of a sandbox that never came up is kept.
 */
final class SandboxCreation {
    private final Sandboxes sandboxes;
    private final SandboxParts parts;
    private final BootSnapshots bootSnapshots;

    SandboxCreation(Sandboxes sandboxes, SandboxParts parts, BootSnapshots bootSnapshots) {
        this.sandboxes = sandboxes;
        this.parts = parts;
        this.bootSnapshots = bootSnapshots;
    }

    /** A new sandbox; {@code restore} non-null: it loads that snapshot instead of booting ({@link Snapshots#restore}). */
    Sandboxes.Created create(CreateRequest request, Boot.Restore restore, Progress progress) {
        Trace.mark("create: start");
        CreateRequest req = request.validated();
        NewSandbox.checkCpus(req);
        EgressPolicy policy = req.egressPolicy();
        BackendKind kind = req.backend() == null ? BackendKind.QEMU : req.backend();
        GuestOs os = req.os() == null ? GuestOs.DEBIAN : req.os();
        Backend backend = parts.adapters().backend(kind);
        sandboxes.requireNameFree(req.name());
        NetworkMode networkMode = parts.readiness().forBackend(backend, progress);
        HostReadiness.refuseUnenforceable(networkMode, policy);
        Trace.mark("create: host ready");
        GuestImage image = parts.images().resolve(req.image(), os, progress);
        SandboxRecord r = NewSandbox.record(req, os, kind, backend.accelerator(), image, networkMode, policy);
        String name = r.name();
        // A sandbox that never came up is not kept half-made: the phases undo what they did, and the
        // record's own undo deletes it with its directory (also on Ctrl-C or SIGTERM mid-boot).
        // Create by restore: a boot snapshot of this image and size is loaded instead of booting; the
        // first create of the shape boots and saves one (BootSnapshots).
        var bootKey = restore != null || req.cold() ? Optional.<BootSnapshots.Key>empty()
                : BootSnapshots.keyOf(backend, image, r.memoryMib(), r.cpus(), r.diskMib(), networkMode);
        Trace.mark("create: image and record ready");
        Boot.Restore from = restore != null ? restore : bootKey.flatMap(bootSnapshots::restoreFor).orElse(null);
        Trace.mark("create: boot snapshot " + (from != null ? "found" : "none"));
        Boot boot = sandboxes.boot(r, image, networkMode, bootTimeout(req), progress).restoring(from);
        List<Phase> last = from == null && bootKey.isPresent()
                ? List.of(Phase.keep("boot-snapshot", () -> bootSnapshots.save(bootKey.get(), r.id(), progress)))
                : List.of();
        SandboxRecord running = boot.run(Phase.of("record", () -> {
            if (!parts.store().insertIfNameFree(r)) {
                throw SmolvmException.conflict("a sandbox named '" + name + "' already exists; pick another name.");
            }
        }, () -> parts.reaper().remove(r.id())), last);
        return new Sandboxes.Created(sandboxes.view(parts.store().find(running.id()).orElse(running)), boot.timings());
    }

    private static Duration bootTimeout(CreateRequest req) {
        return req.bootTimeout() == null ? CreateRequest.DEFAULT_BOOT_TIMEOUT : req.bootTimeout();
    }
}
