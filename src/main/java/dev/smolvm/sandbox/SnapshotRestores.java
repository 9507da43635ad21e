package dev.smolvm.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smolvm.SmolvmException;
import dev.smolvm.WireName;
import dev.smolvm.host.Progress;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.store.SandboxRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * New sandboxes from a snapshot: {@code snapshot restore}, and {@code sandbox fork} (a hidden
 * snapshot of a running sandbox, restored {@code count} times). A restore is a new sandbox whose
 * boot loads the snapshot's state, then takes its own identity.
 */
final class SnapshotRestores {
    private final Snapshots snapshots;
    private final Sandboxes sandboxes;

    SnapshotRestores(Snapshots snapshots, Sandboxes sandboxes) {
        this.snapshots = snapshots;
        this.sandboxes = sandboxes;
    }

    /**
     * {@code sandbox fork}: {@code count} new sandboxes that carry on from this moment of a running
     * one, which keeps running. The snapshot between them is hidden (not listed): the clones' and
     * the source's disks stand on it, and {@code prune} removes it once nothing does.
     */
    List<Sandbox> fork(String ref, String newName, int count, Progress progress) {
        if (count < 1 || count > 16) {
            throw SmolvmException.invalid("--count must be 1 to 16, not " + count + ".");
        }
        SandboxRecord r = sandboxes.reconciled(ref);
        if (newName != null) {
            SandboxNames.validate(count == 1 ? newName : newName + "-" + count);
        }
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            names.add(newName == null ? null : count == 1 ? newName : newName + "-" + i);
        }
        names.forEach(sandboxes::requireNameFree); // before a snapshot is taken for nothing
        String snap = "fork-" + r.name() + "-" + Long.toString(System.nanoTime(), 36);
        List<Sandbox> clones = new ArrayList<>();
        clones.add(firstClone(r, snap, names.get(0), progress));
        for (String name : names.subList(1, count)) {
            clones.add(restore(snap, name, progress));
        }
        return clones;
    }

    /**
     * The first clone starts while its snapshot is saved: once the frozen disk and the memory file
     * are in place (the stream of a restored source's memory takes most of a save), its record,
     * network and paused VM are made, and it loads the state when the save has ended and the
     * snapshot checks as any restore's does. A failed save undoes the clone and is the error.
     */
    private Sandbox firstClone(SandboxRecord source, String snap, String name, Progress progress) {
        CompletableFuture<Boot.Restore> filesReady = new CompletableFuture<>();
        CompletableFuture<Snapshots.Snapshot> saved = new CompletableFuture<>();
        Thread saver = new Thread(() -> {
            try {
                saved.complete(snapshots.create(source.id(), snap, Map.of(), progress, filesReady::complete));
            } catch (Throwable t) {
                saved.completeExceptionally(t);
            } finally {
                filesReady.complete(null); // a save that failed, or ran no callback: the clone waits no more
            }
        }, "smolvm-fork-save-" + source.id());
        saver.setDaemon(true);
        saver.start();
        Boot.Restore files = filesReady.join();
        if (files == null) {
            join(saved); // throws the save's error
            throw SmolvmException.internal("the snapshot of sandbox '" + source.name() + "' made no files to restore.");
        }
        Boot.Restore from = files.beforeLoad(() -> {
            Snapshots.Snapshot s = join(saved);
            dev.smolvm.host.Trace.mark("fork: snapshot saved");
            restorable(s);
            dev.smolvm.host.Trace.mark("fork: snapshot checked");
        });
        progress.step("Restoring snapshot '" + snap + "' as it is saved");
        try {
            return sandboxes.createRestored(requestLike(source, name), from, progress);
        } catch (RuntimeException cloneFailed) {
            try {
                join(saved);
            } catch (SmolvmException saveFailed) {
                throw saveFailed; // the cause of the clone's failure too
            }
            throw cloneFailed;
        }
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    /** A create request for a copy of sandbox {@code r}, named {@code name} (null: a generated name). */
    private static CreateRequest requestLike(SandboxRecord r, String name) {
        return new CreateRequest(name, r.os(), r.os() == null ? r.image() : null, r.memoryMib(), r.diskMib(), r.backend(),
                r.cpus(), null).withNetwork(r.egress(), r.allowedCidrs().isEmpty() ? null : r.allowedCidrs());
    }

    /** A new sandbox from snapshot {@code name}, its own machine. */
    Sandbox restore(String name, String newName, Progress progress) {
        Snapshots.Snapshot s = snapshots.get(name);
        JsonNode j = s.json();
        Boot.Restore from = restorable(s);
        List<String> cidrs = new ArrayList<>();
        j.path("allowed_cidrs").forEach(c -> cidrs.add(c.asText()));
        GuestOs os = GuestOs.parseOrCustom(j.path("os").asText());
        CreateRequest req = new CreateRequest(newName, os, os == null ? j.path("image").asText() : null, s.memoryMib(),
                s.diskMib(), backendOf(j), s.cpus(), null).withNetwork(j.hasNonNull("egress")
                        ? WireName.parse(EgressPolicy.Mode.class, j.path("egress").asText(), "egress mode") : null,
                cidrs.isEmpty() ? null : cidrs);
        progress.step("Restoring snapshot '" + name + "' (" + s.savedBytes() / (1024 * 1024) + " MiB of state)");
        return sandboxes.createRestored(req, from, progress);
    }

    /**
     * What a boot needs to load snapshot {@code s}; a damaged snapshot, or one another QEMU saved,
     * is a sentence.
     */
    Boot.Restore restorable(Snapshots.Snapshot s) {
        String name = s.name();
        JsonNode j = s.json();
        Path dir = snapshots.dir(name);
        Path state = dir.resolve("state");
        try {
            if (!Files.isRegularFile(state) || Files.size(state) != s.stateBytes()) {
                throw SmolvmException.invalid("snapshot '" + name + "' is damaged: its state file " + (Files.exists(state)
                        ? "has " + Files.size(state) + " bytes, not the " + s.stateBytes() + " it was saved with"
                        : "is missing") + "; delete it with 'smolvm sandbox snapshot delete " + name + "'.");
            }
            if (j.has("ram_bytes") && !Files.isRegularFile(dir.resolve("ram"))) {
                throw SmolvmException.invalid("snapshot '" + name + "' is damaged: its memory file is missing; delete it.");
            }
            if (!Files.isRegularFile(dir.resolve("disk.qcow2"))) {
                throw SmolvmException.invalid("snapshot '" + name + "' is damaged: its disk is missing; delete it.");
            }
        } catch (IOException e) {
            throw SmolvmException.internal("cannot read snapshot '" + name + "': " + e.getMessage());
        }
        var target = sandboxes.backendFor(backendOf(j)).restoreTarget();
        for (var want : target.entrySet()) {
            String had = j.path(want.getKey()).asText("vm_layout".equals(want.getKey()) ? "1" : "");
            if (!had.equals(want.getValue())) {
                throw SmolvmException.unavailable("snapshot '" + name + "' was saved with " + want.getKey().replace('_', ' ')
                        + " " + had + ", and this host has " + want.getValue() + "; a VM's state loads only into the "
                        + "same, so create the sandbox afresh.");
            }
        }
        List<String> bases = new ArrayList<>(s.bases());
        bases.add(name);
        return new Boot.Restore(dir, j.path("kernel_cmdline").asText(), bases);
    }

    private static BackendKind backendOf(JsonNode snapshot) {
        return BackendKind.parse(snapshot.path("backend").asText("qemu"));
    }
}
