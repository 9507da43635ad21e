package dev.smolvm.image.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.Progress;
import dev.smolvm.image.Images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Makes an agent-channel image directory from a root filesystem tree, without ever showing a
 * half-made one: the work happens in a hidden {@code .NAME.partial-*} directory next to the final
 * one (which 'image list' skips), removed on failure and by a shutdown hook, and renamed into place
 * at the end. One image name is made by one process at a time (a file lock per name).
 */
public final class ImageAssembler {
    public static final String AGENT_RESOURCE = "/dev/smolvm/guest/agent/smolvm-agent";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Path imagesRoot;

    public ImageAssembler(Path imagesRoot) {
        this.imagesRoot = imagesRoot;
    }

    /**
     * Makes image {@code name} unless it exists: {@code fill} gets the work directory, puts the root
     * tree in {@code work/root} and returns the metadata for image.json. Returns the image directory.
     */
    public Path make(String name, Progress progress, Function<Path, Map<String, Object>> fill) {
        try {
            Files.createDirectories(imagesRoot);
        } catch (IOException e) {
            throw SmolvmException.internal("cannot create " + imagesRoot + ": " + e.getMessage());
        }
        Path target = imagesRoot.resolve(name);
        try (FileLock ignored = FileLock.acquire(imagesRoot.resolve(".pull-" + name + ".lock"))) {
            if (Files.isRegularFile(target.resolve("rootfs.ext4"))) {
                progress.step("Image '" + name + "' is already here");
                return target;
            }
            removeLeftovers(name);
            Path work = imagesRoot.resolve("." + name + ".partial-" + UUID.randomUUID().toString().substring(0, 8));
            Thread hook = new Thread(() -> Images.deleteTree(work), "discard-" + name);
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                Files.createDirectory(work);
                Path root = work.resolve("root");
                Files.createDirectory(root);
                Files.setAttribute(root, "unix:mode", 0755);
                Map<String, Object> meta = new LinkedHashMap<>(fill.apply(work));
                finish(work, root, meta, progress);
                if (Files.exists(target)) {
                    Images.deleteTree(target); // an incomplete directory from an older version
                }
                try {
                    Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(work, target);
                }
                return target;
            } catch (IOException | java.io.UncheckedIOException e) {
                throw SmolvmException.internal("making image '" + name + "' failed: " + e.getMessage());
            } finally {
                Images.deleteTree(work);
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway
                }
            }
        }
    }

    /** Work directories of this name left by a process that was killed (we hold the name's lock). */
    private void removeLeftovers(String name) {
        try (Stream<Path> s = Files.list(imagesRoot)) {
            s.filter(p -> p.getFileName().toString().startsWith("." + name + ".partial-")).forEach(Images::deleteTree);
        } catch (IOException e) {
            throw SmolvmException.internal("cannot list " + imagesRoot + ": " + e.getMessage());
        }
    }

    private void finish(Path work, Path root, Map<String, Object> meta, Progress progress) throws IOException {
        progress.step("  adding the guest agent, busybox and kernel modules");
        Path lib = smolvmLib(root);
        try (InputStream agent = ImageAssembler.class.getResourceAsStream(AGENT_RESOURCE)) {
            if (agent == null) {
                throw SmolvmException.internal("the guest agent is not in this build (" + AGENT_RESOURCE
                        + "); rebuild smolvm with musl-tools installed.");
            }
            Files.copy(agent, lib.resolve("smolvm-agent"));
        }
        Files.copy(Path.of("/bin/busybox"), lib.resolve("busybox"));
        for (Path p : new Path[] {lib.resolve("smolvm-agent"), lib.resolve("busybox")}) {
            Files.setAttribute(p, "unix:mode", 0755);
        }
        installInit(root, lib);
        String kver = Images.makeBootFiles(work, lib.resolve("modules"));
        long[] usage = usage(root);
        int mib = (int) Math.max(64, usage[0] * 5 / 4 / (1024 * 1024) + 64);
        long inodes = Math.max(16384, usage[1] * 2);
        progress.step("  making the ext4 root filesystem (" + mib + " MiB)");
        // Inode tables zeroed here, not by each guest's ext4lazyinit thread; the zeros become holes.
        var r = Cmd.of("mkfs.ext4", "-q", "-F", "-L", "smolvm-root", "-N", String.valueOf(inodes),
                "-E", "lazy_itable_init=0,lazy_journal_init=0", "-d", root.toString(),
                work.resolve("rootfs.ext4").toString(), mib + "M").withTimeout(Duration.ofMinutes(10)).run();
        if (!r.ok()) {
            throw SmolvmException.internal("mkfs.ext4 could not make the root filesystem: " + r.describeFailure());
        }
        Cmd.of("fallocate", "--dig-holes", work.resolve("rootfs.ext4").toString()).withTimeout(Duration.ofMinutes(5))
                .run(); // only saves host disk space: a failure changes nothing the guest sees
        Images.deleteTree(root);
        meta.put("channel", "agent");
        meta.put("kernel_version", kver);
        meta.put("rootfs_mib", mib);
        meta.put("made_at", Instant.now().toString());
        JSON.writeValue(work.resolve("image.json").toFile(), meta);
    }

    /**
     * {@code /usr/lib/smolvm}, made fresh. Each of usr, usr/lib must be a real directory: an
     * image whose /usr/lib is a symlink would otherwise have us write wherever it points.
     */
    private static Path smolvmLib(Path root) throws IOException {
        Path p = root;
        for (String c : new String[] {"usr", "lib", "smolvm"}) {
            p = p.resolve(c);
            if (Files.isSymbolicLink(p)) {
                if (c.equals("smolvm")) {
                    Files.delete(p);
                } else {
                    throw SmolvmException.invalid("the image's /" + root.relativize(p) + " is a symbolic link; smolvm "
                            + "needs it to be a directory to add its agent.");
                }
            }
            if (c.equals("smolvm") && Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                LayerUnpacker.deleteTree(p);
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(p);
                Files.setAttribute(p, "unix:mode", 0755);
            }
        }
        return p;
    }

    /** Bytes (in 4 KiB blocks) and entries under {@code root}. */
    private static long[] usage(Path root) throws IOException {
        long[] out = new long[2];
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(p -> {
                out[1]++;
                try {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        out[0] += (Files.size(p) + 4095) / 4096 * 4096;
                    } else {
                        out[0] += 4096;
                    }
                } catch (IOException ignored) {
                    // counted as nothing
                }
            });
        }
        return out;
    }

    /**
     * The guest's init: busybox init (which the initramfs starts) reads /etc/inittab, so the image
     * gets ours: smolvm's set-up script (mounts, address, hostname) and the agent, respawned. The
     * image's own init system is not used, as with 'docker run'.
     */
    private static void installInit(Path root, Path lib) throws IOException {
        try (InputStream boot = ImageAssembler.class.getResourceAsStream("/dev/smolvm/image/guest-boot");
             InputStream inittab = ImageAssembler.class.getResourceAsStream("/dev/smolvm/image/oci-inittab")) {
            Files.copy(boot, lib.resolve("boot"));
            Files.setAttribute(lib.resolve("boot"), "unix:mode", 0755);
            Path etc = root.resolve("etc");
            if (Files.isSymbolicLink(etc)) {
                Files.delete(etc); // never follow a link out of the root on the host
            }
            Files.createDirectories(etc);
            Path target = etc.resolve("inittab");
            Files.deleteIfExists(target); // a symlink is replaced, not followed
            Files.copy(inittab, target);
            Files.setAttribute(target, "unix:mode", 0644);
            // The live hostname (as Docker gives a container its own): a restored guest takes its new
            // name without writing to its disk.
            Path hostname = etc.resolve("hostname");
            if (Files.isDirectory(hostname, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Images.deleteTree(hostname);
            }
            Files.deleteIfExists(hostname);
            Files.createSymbolicLink(hostname, Path.of("/proc/sys/kernel/hostname"));
        }
    }
}
