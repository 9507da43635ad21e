package dev.smolvm.image.oci;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Applies image layers (tar, gzip'd or not) to a root directory, in order: whiteouts and opaque
 * directories remove what lower layers put there; ownership, modes (with setuid/setgid/sticky),
 * times, symlinks, hard links and device nodes are kept. Nothing is ever written outside the root:
 * entry names are normalised, and every parent directory is resolved inside the root, following
 * the image's own symlinks as the guest would and refusing those that lead out.
 */
public final class LayerUnpacker {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private final Path root;
    private final boolean root_;

    /** {@code asRoot}: this process runs as root ({@code HostPrivileges}), so the files keep their owners. */
    public LayerUnpacker(Path root, boolean asRoot) {
        this.root = root;
        this.root_ = asRoot;
    }

    /** Applies one layer; {@code label} names it in errors (e.g. "2/3 (sha256:ab12…)"). */
    public void apply(InputStream layer, String label) throws IOException {
        // The caller's stream stays open: a digest over the whole file needs what follows the archive's end.
        InputStream in = new BufferedInputStream(new java.io.FilterInputStream(layer) {
            @Override
            public void close() {
            }
        }, 1 << 16);
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        } else if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            throw SmolvmException.unavailable("layer " + label + " is zstd-compressed, which smolvm cannot unpack yet; "
                    + "use an image with gzip layers.");
        }
        Set<String> written = new HashSet<>();
        Map<Path, TarArchiveEntry> dirs = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                LayerPaths.Kind kind = LayerPaths.classify(e.getName(), label);
                switch (kind) {
                    case LayerPaths.Root r -> dirs.put(root, e);
                    case LayerPaths.Whiteout w -> {
                        Path target = resolveExisting(w.path(), e.getName(), label);
                        if (target != null) {
                            deleteTree(target);
                        }
                    }
                    case LayerPaths.Opaque o -> {
                        Path dir = o.dir().isEmpty() ? root : resolveExisting(o.dir(), e.getName(), label);
                        if (dir != null && Files.isDirectory(dir, NOFOLLOW)) {
                            emptyExceptWritten(dir, written);
                        }
                    }
                    case LayerPaths.Plain p -> {
                        Path dest = write(tar, e, p.path(), label);
                        written.add(root.relativize(dest).toString());
                        if (e.isDirectory()) {
                            dirs.put(dest, e);
                        }
                    }
                }
            }
        }
        // Directories last: writing their children changed their times.
        List<Map.Entry<Path, TarArchiveEntry>> all = new ArrayList<>(dirs.entrySet());
        for (int i = all.size() - 1; i >= 0; i--) {
            meta(all.get(i).getKey(), all.get(i).getValue());
        }
    }

    private Path write(TarArchiveInputStream tar, TarArchiveEntry e, String path, String label) throws IOException {
        Path dest = resolveParent(path, e.getName(), label).resolve(base(path));
        boolean exists = Files.exists(dest, NOFOLLOW);
        if (e.isDirectory()) {
            if (exists && !Files.isDirectory(dest, NOFOLLOW)) {
                Files.delete(dest);
                exists = false;
            }
            if (!exists) {
                Files.createDirectory(dest);
            }
            return dest;
        }
        if (exists) {
            deleteTree(dest);
        }
        if (e.isSymbolicLink()) {
            Files.createSymbolicLink(dest, Path.of(e.getLinkName()));
        } else if (e.isLink()) {
            String target = LayerPaths.normalize(e.getLinkName(), label);
            Path existing = target.isEmpty() ? null : resolveExisting(target, e.getName(), label);
            if (existing == null || !Files.exists(existing, NOFOLLOW) || Files.isDirectory(existing, NOFOLLOW)) {
                throw SmolvmException.invalid("layer " + label + " has a hard link '" + e.getName() + "' to '"
                        + e.getLinkName() + "', which is not a file in the image; nothing was kept.");
            }
            Files.createLink(dest, existing);
            return dest; // the link shares the target's inode: its metadata is the target's
        } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            List<String> argv = new ArrayList<>(List.of("mknod", dest.toString(), e.isFIFO() ? "p" : e.isCharacterDevice() ? "c" : "b"));
            if (!e.isFIFO()) {
                argv.add(String.valueOf(e.getDevMajor()));
                argv.add(String.valueOf(e.getDevMinor()));
            }
            var r = Cmd.of(argv).run();
            if (!r.ok()) {
                throw SmolvmException.internal("cannot make the device node " + path + " of layer " + label + ": "
                        + r.describeFailure());
            }
        } else if (e.isFile()) {
            Files.copy(tar, dest);
        } else {
            return dest; // sockets and other kinds have nothing to unpack
        }
        meta(dest, e);
        return dest;
    }

    /** Ownership first (chown clears setuid), then the full mode, then the time. */
    private void meta(Path p, TarArchiveEntry e) throws IOException {
        boolean link = e.isSymbolicLink();
        if (root_) {
            Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), NOFOLLOW);
            Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), NOFOLLOW);
        }
        if (!link) {
            Files.setAttribute(p, "unix:mode", e.getMode() & 07777);
        }
        try {
            FileTime t = FileTime.from(e.getLastModifiedDate().toInstant());
            Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW).setTimes(t, null, null);
        } catch (IOException | UnsupportedOperationException ignored) {
            // times are kept where the host can set them
        }
    }

    private static String base(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * The host directory that holds {@code path}'s last component: each parent component resolved
     * inside the root (following the image's symlinks; missing directories created).
     */
    private Path resolveParent(String path, String entry, String label) throws IOException {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return root;
        }
        List<String> parts = resolve(new ArrayList<>(), List.of(path.substring(0, slash).split("/")), entry, label, 0, true);
        return host(parts);
    }

    /** {@code path} resolved inside the root, its last component not followed; null if a parent is missing. */
    private Path resolveExisting(String path, String entry, String label) throws IOException {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return root.resolve(path);
        }
        List<String> parts = resolve(new ArrayList<>(), List.of(path.substring(0, slash).split("/")), entry, label, 0, false);
        return parts == null ? null : host(parts).resolve(base(path));
    }

    private List<String> resolve(List<String> at, List<String> components, String entry, String label, int depth,
                                 boolean create) throws IOException {
        if (depth > 40) {
            throw LayerPaths.escape(entry, label, "its parent directories are a loop of symbolic links");
        }
        List<String> parts = new ArrayList<>(at);
        for (String c : components) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (parts.isEmpty()) {
                    throw LayerPaths.escape(entry, label, "it climbs out of the root with '..'");
                }
                parts.remove(parts.size() - 1);
                continue;
            }
            Path candidate = host(parts).resolve(c);
            if (Files.isSymbolicLink(candidate)) {
                String target = Files.readSymbolicLink(candidate).toString();
                List<String> base = target.startsWith("/") ? new ArrayList<>() : parts;
                LayerPaths.resolveTarget(parts, target, entry, label); // refuses a target that leaves the root
                parts = resolve(base, List.of(target.split("/")), entry, label, depth + 1, create);
                if (parts == null) {
                    return null;
                }
            } else if (Files.isDirectory(candidate, NOFOLLOW)) {
                parts.add(c);
            } else if (!Files.exists(candidate, NOFOLLOW)) {
                if (!create) {
                    return null;
                }
                Files.createDirectory(candidate);
                parts.add(c);
            } else {
                throw SmolvmException.invalid("layer " + label + " has an entry '" + entry + "' under '" + c
                        + "', which is not a directory; nothing was kept.");
            }
        }
        return parts;
    }

    private Path host(List<String> parts) {
        Path p = root;
        for (String c : parts) {
            p = p.resolve(c);
        }
        return p;
    }

    /** Removes from {@code dir} everything a lower layer put there (what this layer wrote stays). */
    private void emptyExceptWritten(Path dir, Set<String> written) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (p.equals(dir) || written.contains(root.relativize(p).toString())) {
                    continue;
                }
                try {
                    Files.delete(p);
                } catch (DirectoryNotEmptyException keptChildren) {
                    // a directory this layer wrote into stays
                }
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, NOFOLLOW)) {
            return;
        }
        if (Files.isDirectory(p, NOFOLLOW)) {
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(q);
                }
            }
        } else {
            Files.delete(p);
        }
    }
}
