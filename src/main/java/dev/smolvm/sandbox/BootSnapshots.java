package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.Progress;
import dev.smolvm.image.GuestImage;
import dev.smolvm.image.Images;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.Backend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Create by restore. The first sandbox of an (image, memory, cpus, disk, network mode) boots, and
 * right after its boot it is saved as a hidden <em>boot snapshot</em>; later creates of the same
 * shape load that snapshot instead of booting, then take their own identity (see {@link GuestIdentity}).
 * A boot snapshot is keyed by its image's stamp (recipe, and the identity of its kernel, initramfs
 * and root file), so a rebuilt or re-pulled image gets a new one; the old one goes once nothing
 * stands on it (at the next save, {@code prune}, or {@code image rm}).
 */
final class BootSnapshots {
    /** snapshot.json's field naming the image stamp a boot snapshot was made from (absent in other snapshots). */
    static final String STAMP = "boot_image_stamp";
    static final String IMAGE = "boot_image";
    static final String IMAGE_DIR = "boot_image_dir";
    private final Snapshots snapshots;

    BootSnapshots(Snapshots snapshots) {
        this.snapshots = snapshots;
    }

    /** Which boot snapshot a sandbox of this shape would stand on. */
    record Key(String snapshotName, String imageName, Path imageDir, String imageStamp) {
    }

    /**
     * The key of a create, or empty when it cannot be made by restore: the backend cannot snapshot,
     * or the image has no guest agent (a restored guest takes its identity through it).
     */
    static Optional<Key> keyOf(Backend backend, GuestImage image, int memoryMib, int cpus, int diskMib,
                               NetworkMode networkMode) {
        if (!backend.canSnapshot() || !image.hasAgent()) {
            return Optional.empty();
        }
        String stamp = stamp(image);
        String shape = stamp + "|" + backend.kind().wireName() + "|" + memoryMib + "|" + cpus + "|" + diskMib + "|"
                + networkMode.wireName();
        return Optional.of(new Key("boot-" + sha256(shape).substring(0, 16), image.name(), image.dir(), stamp));
    }

    /** What a boot needs to load this key's boot snapshot; empty when there is none yet or it cannot load here. */
    Optional<Boot.Restore> restoreFor(Key key) {
        Snapshots.Snapshot s;
        try {
            s = snapshots.get(key.snapshotName());
            return Optional.of(snapshots.restorable(s));
        } catch (SmolvmException missingOrUnusable) {
            // none yet, damaged, or saved by another QEMU: boot, and a new one is saved (the old one is
            // replaced once nothing stands on it)
            return Optional.empty();
        }
    }

    /**
     * Saves the sandbox just booted as this key's boot snapshot; the sandbox goes on, on an overlay
     * above it. Best effort: a failure is said and the create still succeeds. Returns whether it saved.
     */
    boolean save(Key key, String sandboxId, Progress progress) {
        try {
            removeUnused(key.snapshotName()); // a damaged or other-QEMU one of the same key, nothing on it
            if (Files.exists(snapshots.dir(key.snapshotName()))) {
                return false; // one being used, or another create saving it right now
            }
            progress.step("Saving a boot snapshot of this image and size: the next sandboxes like it start by restore");
            snapshots.create(sandboxId, key.snapshotName(), Map.of(STAMP, key.imageStamp(), IMAGE, key.imageName(), IMAGE_DIR, key.imageDir().toString()),
                    Progress.SILENT);
            for (Snapshots.Snapshot old : bootSnapshots()) {
                if (old.json().path(IMAGE).asText().equals(key.imageName())
                        && !old.json().path(STAMP).asText().equals(key.imageStamp())) {
                    removeUnused(old.name()); // made from the image as it was before a rebuild
                }
            }
            return true;
        } catch (SmolvmException e) {
            progress.step("No boot snapshot was saved (" + e.getMessage() + "); the next create boots too");
            return false;
        }
    }

    /** Boot snapshots whose image is gone or was rebuilt since, and that nothing stands on: prune removes them. */
    List<Path> stale() {
        List<Path> out = new ArrayList<>();
        List<String> used = snapshots.standOn();
        for (Snapshots.Snapshot s : bootSnapshots()) {
            GuestImage image = new GuestImage(s.json().path(IMAGE).asText(), Path.of(s.json().path(IMAGE_DIR).asText("/")));
            boolean current = image.complete() && stamp(image).equals(s.json().path(STAMP).asText());
            if (!current && !used.contains(s.name())) {
                out.add(snapshots.dir(s.name()));
            }
        }
        return out;
    }

    /** {@code image rm}: the image's boot snapshots go with it (a sandbox on one keeps the image in use). */
    void removeFor(String imageName) {
        for (Snapshots.Snapshot s : bootSnapshots()) {
            if (s.json().path(IMAGE).asText().equals(imageName)) {
                removeUnused(s.name());
            }
        }
    }

    private List<Snapshots.Snapshot> bootSnapshots() {
        return snapshots.all().stream().filter(Snapshots.Snapshot::boot).toList();
    }

    private void removeUnused(String name) {
        try (FileLock all = FileLock.acquire(snapshots.root().resolve(".lock"))) {
            if (Files.isDirectory(snapshots.dir(name)) && !snapshots.standOn().contains(name)) {
                Images.deleteTree(snapshots.dir(name));
            }
        }
    }

    /**
     * What identifies an image's content: its recipe (built images) and the file identity of its
     * kernel, initramfs and root (a rebuild or re-pull writes new files).
     */
    static String stamp(GuestImage image) {
        StringBuilder s = new StringBuilder(image.name());
        for (Path p : List.of(image.dir().resolve("recipe"), image.kernel(), image.initrd(), image.rootfs())) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                s.append('|').append(a.size()).append(':').append(a.lastModifiedTime().toMillis()).append(':')
                        .append(a.fileKey());
            } catch (IOException missing) {
                s.append("|-");
            }
        }
        return sha256(s.toString()).substring(0, 24);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
