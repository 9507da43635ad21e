package dev.smolvm.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smolvm.ErrorCode;
import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.AgentMux;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.FileModes;
import dev.smolvm.host.Progress;
import dev.smolvm.image.GuestOs;
import dev.smolvm.image.Images;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.VmSpec;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.HashSet;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code sandbox snapshot create | list | delete}, and {@code restore} and {@code sandbox fork}
 * through {@link SnapshotRestores}. A snapshot is a directory
 * {@code ~/.smolvm/snapshots/<name>/}: {@code state} (the VM's memory and devices), {@code disk.qcow2}
 * (the source's disk as it was; the source goes on with a new overlay above it) and
 * {@code snapshot.json} (what a restore must match, and what the new sandbox is made of). A
 * restore is a new sandbox whose boot loads the state, then takes its own identity.
 */
public final class Snapshots {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** In a sandbox directory: the snapshots its disk stands on, one a line. */
    static final String BASES = "snapshot-bases";
    private final Home home;
    private final Sandboxes sandboxes;
    private final SnapshotRestores restores;

    public Snapshots(Home home, Sandboxes sandboxes) {
        this.home = home;
        this.sandboxes = sandboxes;
        this.restores = new SnapshotRestores(this, sandboxes);
    }

    /** A snapshot as {@code snapshot.json} has it. */
    public record Snapshot(String name, String source, Instant createdAt, int memoryMib, int cpus, int diskMib,
                           long stateBytes, long tookMs, JsonNode json) {
        static Snapshot of(JsonNode n) {
            return new Snapshot(n.path("name").asText(), n.path("source").asText(),
                    Instant.parse(n.path("created_at").asText()), n.path("memory").asInt(), n.path("cpus").asInt(),
                    n.path("disk_size").asInt(), n.path("state_bytes").asLong(), n.path("took_ms").asLong(), n);
        }

        /** What it keeps of the VM: the state file, and its memory file when it has one (allocated bytes). */
        public long savedBytes() {
            return stateBytes + json.path("ram_bytes").asLong(0);
        }

        boolean hidden() {
            return json.path("hidden").asBoolean(false);
        }

        /** A boot snapshot ({@link BootSnapshots}): kept while its image is, not while sandboxes stand on it. */
        boolean boot() {
            return json.hasNonNull(BootSnapshots.STAMP);
        }

        /** The names of the snapshots its disk stands on. */
        List<String> bases() {
            List<String> out = new ArrayList<>();
            json.path("bases").forEach(b -> out.add(b.asText()));
            return out;
        }

        /** The wire form (snapshot.json without what only a restore needs). */
        public Map<String, Object> toJson() {
            return Map.of("name", name, "source", source, "created_at", createdAt.toString(), "memory", memoryMib,
                    "cpus", cpus, "disk_size", diskMib, "state_bytes", savedBytes(),
                    "took_ms", tookMs,
                    "qemu_version", json.path("qemu_version").asText());
        }
    }

    Path root() {
        return home.root().resolve("snapshots");
    }

    Path dir(String name) {
        return root().resolve(name);
    }

    /** Saves a running or paused sandbox as snapshot {@code name} (default: NAME-<time>); it goes on as it was. */
    public Snapshot create(String ref, String name, Progress progress) {
        return create(ref, name, null, progress);
    }

    /** {@code sandbox fork}: {@code count} new sandboxes that carry on from a running one ({@link SnapshotRestores#fork}). */
    public List<Sandbox> fork(String ref, String newName, int count, Progress progress) {
        return restores.fork(ref, newName, count, progress);
    }

    /** A new sandbox from snapshot {@code name}, its own machine. */
    public Sandbox restore(String name, String newName, Progress progress) {
        return restores.restore(name, newName, progress);
    }

    /** What a boot needs to load snapshot {@code s}; see {@link SnapshotRestores#restorable}. */
    Boot.Restore restorable(Snapshot s) {
        return restores.restorable(s);
    }

    /**
     * {@code hidden} null for a user's snapshot, else the hidden one's tags (written into
     * snapshot.json): empty for a fork's, the image stamp for a boot snapshot.
     */
    Snapshot create(String ref, String name, Map<String, String> hidden, Progress progress) {
        return create(ref, name, hidden, progress, started -> { });
    }

    /**
     * As above; {@code filesReady} gets what a restore of the snapshot needs as soon as its disk and
     * memory file are in place, before the save has finished ({@link Backend#snapshot}): a fork
     * starts its clone then. The restore must not load the state before this returns.
     */
    Snapshot create(String ref, String name, Map<String, String> hidden, Progress progress,
                    java.util.function.Consumer<Boot.Restore> filesReady) {
        SandboxRecord r = sandboxes.reconciled(ref);
        String snap = name != null ? name : r.name() + "-" + Long.toString(System.currentTimeMillis() / 1000, 36);
        SandboxNames.validate(snap);
        try (FileLock ignored = sandboxes.lockOf(r.id()); FileLock all = FileLock.acquire(root().resolve(".lock"))) {
            r = sandboxes.reconciled(r.id());
            SandboxStatus status = r.status();
            if (status != SandboxStatus.RUNNING && status != SandboxStatus.PAUSED) {
                throw new SmolvmException(ErrorCode.NOT_RUNNING, "sandbox '" + r.name() + "' is " + r.status()
                        + "; a snapshot is taken of a running or paused sandbox")
                        .hint("start it with 'smolvm sandbox start " + r.name() + "'", "POST /sandboxes/" + r.id() + "/start");
            }
            Path sbDir = home.sandboxDir(r.id());
            if (!AgentMux.usedBy(sbDir)) {
                throw SmolvmException.unavailable("sandbox '" + r.name() + "' runs an image without the smolvm guest "
                        + "agent, which a restored copy needs to take its own clock, entropy and address.");
            }
            Path dir = dir(snap);
            if (Files.exists(dir)) {
                throw SmolvmException.conflict("a snapshot named '" + snap + "' already exists").hint(
                        "pick another --name or delete it with 'smolvm sandbox snapshot delete " + snap + "'",
                        "pick another name or DELETE /snapshots/" + snap + " first");
            }
            progress.step("Saving sandbox '" + r.name() + "' as snapshot '" + snap + "'");
            long t0 = System.nanoTime();
            sandboxes.syncGuest(r); // its dirty pages go to disk once here, not again in each restore
            boolean disked = false;
            try {
                FileModes.privateDir(root());
                FileModes.privateDir(dir);
                List<String> bases = bases(sbDir);
                String cmdline = kernelCmdline(r, sbDir);
                Path console = VmSpec.consoleLogIn(sbDir);
                if (Files.isRegularFile(console)) { // a restore's console log starts with its boot
                    Files.copy(console, VmSpec.consoleLogIn(dir));
                }
                List<String> mine = new ArrayList<>(bases);
                mine.add(snap);
                Map<String, String> facts = sandboxes.backendOf(r).snapshot(sandboxes.specOf(r), "sandbox '" + r.name()
                        + "'", dir.resolve("state"), dir.resolve("disk.qcow2"), status == SandboxStatus.RUNNING,
                        () -> filesReady.accept(new Boot.Restore(dir, cmdline, List.copyOf(mine))));
                disked = true;
                ObjectNode n = JSON.createObjectNode().put("name", snap).put("source", r.name()).put("source_id", r.id())
                        .put("created_at", Instant.now().toString()).put("memory", r.memoryMib()).put("cpus", r.cpus())
                        .put("disk_size", r.diskMib()).put("os", GuestOs.wireNameOrCustom(r.os())).put("image", r.image())
                        .put("backend", r.backend().wireName()).put("egress", r.egress().wireName())
                        .put("kernel_cmdline", cmdline)
                        .put("state_bytes", Files.size(dir.resolve("state")))
                        .put("took_ms", (System.nanoTime() - t0) / 1_000_000).put("hidden", hidden != null);
                facts.forEach(n::put);
                if (hidden != null) {
                    hidden.forEach(n::put);
                }
                r.allowedCidrs().forEach(n.putArray("allowed_cidrs")::add);
                bases.forEach(n.putArray("bases")::add);
                Files.writeString(dir.resolve("snapshot.json.part"), n.toPrettyString());
                Files.move(dir.resolve("snapshot.json.part"), dir.resolve("snapshot.json"),
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                writeBases(sbDir, mine);
                Snapshot s = Snapshot.of(n);
                progress.step("Snapshot '" + snap + "' saved: " + s.savedBytes() / (1024 * 1024) + " MiB of memory and "
                        + "device state in " + s.tookMs() + " ms");
                return s;
            } catch (IOException | RuntimeException e) {
                if (!disked) {
                    Images.deleteTree(dir); // the source still writes its own overlay: nothing here is needed
                }
                if (e instanceof SmolvmException se) {
                    throw se;
                }
                throw SmolvmException.internal("the snapshot of sandbox '" + r.name() + "' failed: " + e.getMessage());
            }
        }
    }

    /** {@code image rm}: the image's boot snapshots go with it (create by restore, {@link BootSnapshots}). */
    public void removeBootSnapshotsOf(String imageName) {
        new BootSnapshots(this).removeFor(imageName);
    }

    /** The snapshots a user made (a fork's own is hidden). */
    public List<Snapshot> list() {
        return all().stream().filter(s -> !s.hidden()).toList();
    }

    /** Every snapshot, hidden ones too. */
    List<Snapshot> all() {
        List<Snapshot> out = new ArrayList<>();
        for (Path d : children(root())) {
            try {
                if (Files.isRegularFile(d.resolve("snapshot.json"))) {
                    out.add(Snapshot.of(JSON.readTree(d.resolve("snapshot.json").toFile())));
                }
            } catch (IOException | RuntimeException unreadable) {
                // a damaged snapshot.json: not listed (prune reports the directory)
            }
        }
        return out;
    }

    public Snapshot get(String name) {
        SandboxNames.validate(name);
        Path meta = dir(name).resolve("snapshot.json");
        if (!Files.isRegularFile(meta)) {
            throw SmolvmException.notFound("no snapshot named '" + name + "'")
                    .hint("see 'smolvm sandbox snapshot list'", "see GET /snapshots");
        }
        try {
            return Snapshot.of(JSON.readTree(meta.toFile()));
        } catch (IOException | RuntimeException e) {
            throw SmolvmException.internal("snapshot '" + name + "' has an unreadable snapshot.json: " + e.getMessage());
        }
    }

    /** Deletes a snapshot nothing stands on; one a sandbox or another snapshot stands on is refused, naming it. */
    public void delete(String name) {
        get(name);
        try (FileLock all = FileLock.acquire(root().resolve(".lock"))) {
            unusedHidden().forEach(Images::deleteTree); // a fork's snapshot nothing stands on is not in the way
            for (Path sb : children(home.root().resolve("sandboxes"))) {
                if (bases(sb).contains(name)) {
                    String who = sandboxes.nameOf(sb.getFileName().toString());
                    throw SmolvmException.conflict("sandbox '" + who + "' stands on snapshot '" + name + "' (its disk is "
                            + "built on the snapshot's)").hint("delete sandbox '" + who + "' first",
                            "DELETE /sandboxes/" + who + " first");
                }
            }
            for (Snapshot other : all()) {
                other.json().path("bases").forEach(b -> {
                    if (b.asText().equals(name)) {
                        throw SmolvmException.conflict("snapshot '" + other.name() + "' stands on snapshot '" + name
                                + "'").hint("delete snapshot '" + other.name() + "' first",
                                "DELETE /snapshots/" + other.name() + " first");
                    }
                });
            }
            Images.deleteTree(dir(name));
        }
    }

    private static String kernelCmdline(SandboxRecord r, Path sbDir) throws IOException {
        Path file = sbDir.resolve(Boot.CMDLINE);
        if (!Files.isRegularFile(file)) {
            throw SmolvmException.unavailable("sandbox '" + r.name() + "' was started by an older smolvm, which did not "
                    + "keep what a restore needs; stop and start it, then take the snapshot.");
        }
        return Files.readString(file).strip();
    }

    /** Hidden (fork) snapshots no sandbox and no other snapshot stands on any more. */
    List<Path> unusedHidden() {
        // Transitively: forks of forks stack, and each one's bases list every snapshot below it, so
        // a hidden snapshot that only other removable ones stand on is removable too (one pass
        // would take the top of such a stack only).
        List<Snapshot> all = all();
        Set<String> bySandboxes = new HashSet<>();
        children(home.root().resolve("sandboxes")).forEach(sb -> bySandboxes.addAll(bases(sb)));
        Set<String> removable = new java.util.LinkedHashSet<>();
        boolean more = true;
        while (more) {
            Set<String> used = new HashSet<>(bySandboxes);
            all.stream().filter(s -> !removable.contains(s.name())).forEach(s -> used.addAll(s.bases()));
            more = false;
            for (Snapshot s : all) {
                if (s.hidden() && !s.boot() && !used.contains(s.name()) && removable.add(s.name())) {
                    more = true;
                }
            }
        }
        return removable.stream().map(this::dir).toList();
    }

    /** The names of the snapshots that a sandbox or another snapshot stands on. */
    List<String> standOn() {
        List<String> used = new ArrayList<>();
        children(home.root().resolve("sandboxes")).forEach(sb -> used.addAll(bases(sb)));
        all().forEach(s -> used.addAll(s.bases()));
        return used;
    }

    static List<String> bases(Path sandboxDir) {
        try {
            return Files.isRegularFile(sandboxDir.resolve(BASES))
                    ? Files.readAllLines(sandboxDir.resolve(BASES)).stream().filter(l -> !l.isBlank()).toList() : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    static void writeBases(Path sandboxDir, List<String> bases) {
        try {
            Files.write(sandboxDir.resolve(BASES), bases);
        } catch (IOException e) {
            throw SmolvmException.internal("cannot write " + sandboxDir.resolve(BASES) + ": " + e.getMessage());
        }
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
