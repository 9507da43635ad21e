package dev.smolvm.sandbox;

import dev.smolvm.Home;
import dev.smolvm.guest.AgentMux;
import dev.smolvm.guest.SshChannel;
import dev.smolvm.image.ImageLeftovers;
import dev.smolvm.image.Images;
import dev.smolvm.network.TapNetwork;
import dev.smolvm.runtime.Backend;
import dev.smolvm.runtime.VmSpec;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStatus;
import dev.smolvm.store.SandboxStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@code smolvm prune}: finds what smolvm made on this host for THIS home that no sandbox record
 * owns, by the tags on it, and removes it (or only lists it, on a dry run). A record owns a VM,
 * TAP, egress chain and SSH master while it is creating, starting or running; a directory and a
 * forwards file while it exists. Other homes' resources are never touched: a VM counts as this
 * home's when its pid file lies in this home's sandboxes directory, a TAP when its alias names
 * this home, an egress chain when its TAP is this home's or the sandbox its comment names has a
 * directory here. What cannot be told apart is left alone and said so in the notes.
 */
public final class Prune {
    /** One thing pruned (or that would be): its kind, its name on the host, and why it is an orphan. */
    public record Item(String kind, String name, String why) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", kind);
            m.put("name", name);
            m.put("why", why);
            return m;
        }
    }

    /** What a prune found: removed (or, on a dry run, what would be), and what it left alone and why. */
    public record Result(boolean dryRun, List<Item> items, List<String> notes) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dry_run", dryRun);
            m.put(dryRun ? "would_remove" : "removed", items.stream().map(Item::toJson).toList());
            m.put("notes", notes);
            return m;
        }
    }

    private final Home home;
    private final SandboxStore store;
    private final TapNetwork taps;
    private final Collection<Backend> backends;
    private final ImageLeftovers images;
    private final Snapshots snapshots;
    private final java.util.function.Supplier<List<Path>> staleBootSnapshots;

    Prune(Home home, SandboxStore store, TapNetwork taps, Collection<Backend> backends, ImageLeftovers images,
          Snapshots snapshots, java.util.function.Supplier<List<Path>> staleBootSnapshots) {
        this.home = home;
        this.staleBootSnapshots = staleBootSnapshots;
        this.snapshots = snapshots;
        this.images = images;
        this.store = store;
        this.taps = taps;
        this.backends = backends;
    }

    /** Removes the orphans (none when {@code dryRun}) and says what they were and what was left alone. */
    Result run(boolean dryRun) {
        List<String> notes = new ArrayList<>();
        Map<String, SandboxRecord> records = new HashMap<>();
        store.all().forEach(r -> records.put(r.id(), r));
        Function<String, Boolean> ownsVm = id -> records.containsKey(id)
                && records.get(id).status().hasVm();
        List<Item> out = new ArrayList<>();
        Path sandboxes = home.root().resolve("sandboxes");

        // Agent muxes first: one exits by itself once its VM is gone, which would hide it below.
        for (Path dir : list(sandboxes)) {
            SandboxRecord r = records.get(dir.getFileName().toString());
            if (AgentMux.running(dir) && (r == null || r.status() != SandboxStatus.RUNNING)) {
                out.add(new Item("agent-mux", AgentMux.socketIn(dir).toString(), r == null ? "no sandbox record"
                        : "sandbox '" + r.name() + "' is " + r.status()));
                if (!dryRun) {
                    AgentMux.stop(dir);
                }
            }
        }
        for (Backend backend : backends) {
            for (var vm : backend.vmsUnder(sandboxes).entrySet()) {
                SandboxRecord r = records.get(vm.getValue());
                boolean owned = ownsVm.apply(vm.getValue()) && (r.pid() == null || r.pid().equals(vm.getKey()));
                if (!owned) {
                    out.add(new Item("vm", "pid " + vm.getKey() + " (" + vm.getValue() + ")", r == null
                            ? "no sandbox record" : "sandbox '" + r.name() + "' is " + r.status()));
                    if (!dryRun) {
                        backend.kill(vm.getKey(), vm.getValue(), spec(vm.getValue()), Duration.ofSeconds(5));
                    }
                }
            }
        }
        for (Path dir : list(sandboxes)) {
            String id = dir.getFileName().toString();
            Path ctl = dir.resolve("ssh.ctl");
            SandboxRecord r = records.get(id);
            if (Files.exists(ctl) && (r == null || r.status() != SandboxStatus.RUNNING)) {
                out.add(new Item("ssh-master", ctl.toString(), r == null ? "no sandbox record"
                        : "sandbox '" + r.name() + "' is " + r.status()));
                if (!dryRun) {
                    SshChannel.closeMaster(ctl);
                }
            }
        }
        Map<String, String> tapAliases = taps.taps();
        String ourTag = " home " + home.root();
        int untagged = 0;
        for (var tap : tapAliases.entrySet()) {
            String alias = tap.getValue();
            if (!alias.endsWith(ourTag)) {
                untagged += alias.isEmpty() ? 1 : 0;
                continue;
            }
            String id = alias.substring("smolvm sandbox ".length(), alias.length() - ourTag.length());
            if (!ownsVm.apply(id)) {
                out.add(new Item("tap", tap.getKey(), records.containsKey(id)
                        ? "sandbox " + id + " is " + records.get(id).status() : "no sandbox record (" + id + ")"));
                if (!dryRun) {
                    taps.down(tap.getKey());
                }
            }
        }
        int unknownChains = 0;
        for (var chain : taps.egressChains().entrySet()) {
            String tap = chain.getKey();
            String[] words = chain.getValue().split(" ");
            String id = words.length > 1 ? words[1] : "";
            boolean tapOurs = tapAliases.getOrDefault(tap, "").endsWith(ourTag);
            boolean ours = tapOurs || (!tapAliases.containsKey(tap)
                    && (records.containsKey(id) || Files.isDirectory(home.sandboxDir(id))));
            if (!ours) {
                unknownChains += tapAliases.containsKey(tap) ? 0 : 1;
                continue;
            }
            if (!ownsVm.apply(id) && !tapOurs) { // an orphan TAP of ours took its chain along above
                out.add(new Item("egress-chain", "inet smolvm egress_" + tap, "its TAP is gone and sandbox " + id
                        + (records.containsKey(id) ? " is " + records.get(id).status() : " has no record")));
                if (!dryRun) {
                    taps.down(tap);
                }
            }
        }
        for (Path dir : list(sandboxes)) {
            String id = dir.getFileName().toString();
            if (!records.containsKey(id)) {
                out.add(new Item("directory", dir.toString(), "no sandbox record"));
                if (!dryRun) {
                    Images.deleteTree(dir);
                }
            }
        }
        var names = records.values().stream().map(SandboxRecord::name).toList();
        for (Path file : list(home.forwards())) {
            String f = file.getFileName().toString();
            if (f.endsWith(".json") && !f.startsWith(".") && !names.contains(f.substring(0, f.length() - 5))) {
                out.add(new Item("forwards", file.toString(), "no sandbox named " + f.substring(0, f.length() - 5)));
                if (!dryRun) {
                    Images.deleteTree(file);
                }
            }
        }
        snapshotLeftovers(dryRun, out);
        for (Backend b : backends) {
            for (Path file : b.leftoverFiles()) {
                out.add(new Item("vm-leftover", file.toString(), "a VM's file that no process uses (its start was killed)"));
                if (!dryRun) {
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException e) {
                        notes.add("could not remove " + file + ": " + e.getMessage());
                    }
                }
            }
        }
        for (ImageLeftovers.Leftover l : images.find()) {
            if (dryRun || images.remove(l)) {
                out.add(new Item("image-leftover", l.dir().toString(), l.why()));
            }
        }
        if (untagged > 0) {
            notes.add(untagged + " smolvm TAP device(s) carry no home tag (made by an older smolvm, or not by smolvm): "
                    + "left alone, as they cannot be told to be this home's.");
        }
        if (unknownChains > 0) {
            notes.add(unknownChains + " egress chain(s) name a sandbox this home does not know and have no TAP: left "
                    + "alone (another smolvm home may own them).");
        }
        notes.add("Network leases are columns of the sandbox records: they go with their record, so none can be orphaned.");
        return new Result(dryRun, out, notes);
    }

    /** Snapshot directories a killed 'snapshot create' left without its snapshot.json (none is being made now). */
    private void snapshotLeftovers(boolean dryRun, List<Item> out) {
        Path root = home.root().resolve("snapshots");
        if (!Files.isDirectory(root)) {
            return;
        }
        try (var lock = dev.smolvm.host.FileLock.tryAcquire(root.resolve(".lock")).orElse(null)) {
            if (lock == null) {
                return; // a snapshot is being saved right now
            }
            for (Path dir : list(root)) {
                if (Files.isDirectory(dir) && !Files.exists(dir.resolve("snapshot.json"))) {
                    out.add(new Item("snapshot-leftover", dir.toString(), "a snapshot whose saving did not finish"));
                    if (!dryRun) {
                        Images.deleteTree(dir);
                    }
                }
            }
            for (Path dir : snapshots.unusedHidden()) {
                out.add(new Item("snapshot-leftover", dir.toString(), "a fork's snapshot that no sandbox stands on any more"));
                if (!dryRun) {
                    Images.deleteTree(dir);
                }
            }
            for (Path dir : staleBootSnapshots.get()) {
                out.add(new Item("snapshot-leftover", dir.toString(), "a boot snapshot of an image that was removed or "
                        + "rebuilt since, which no sandbox stands on"));
                if (!dryRun) {
                    Images.deleteTree(dir);
                }
            }
        }
    }

    private VmSpec spec(String id) {
        return new VmSpec(id, home.sandboxDir(id), null, null, null, "", 0, 0, 0, null, null, null, null, null, null);
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
