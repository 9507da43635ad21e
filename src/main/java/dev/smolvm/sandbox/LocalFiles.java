package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/** The host side of file transfers: modes, temporary files next to their target, and clean-up. */
final class LocalFiles {
    private static final PosixFilePermission[] BITS = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    private LocalFiles() {
    }

    /** The permission bits (07777) of a local file. */
    static int mode(Path file) {
        try {
            return ((Integer) Files.getAttribute(file, "unix:mode")) & 07777;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            try {
                return bits(Files.getPosixFilePermissions(file));
            } catch (IOException e2) {
                throw SmolvmException.invalid("cannot read the mode of " + file + ": " + e2.getMessage());
            }
        }
    }

    static int bits(Set<PosixFilePermission> perms) {
        int m = 0;
        for (int i = 0; i < BITS.length; i++) {
            if (perms.contains(BITS[i])) {
                m |= 1 << i;
            }
        }
        return m;
    }

    /**
     * Sets the rwx bits (0777) of {@code mode}. Set-user-id, set-group-id and sticky bits from a
     * guest are not carried onto the host: a guest must not be able to plant a set-uid program here.
     */
    static void setMode(Path file, int mode) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) {
            if ((mode & (1 << i)) != 0) {
                perms.add(BITS[i]);
            }
        }
        Files.setPosixFilePermissions(file, perms);
    }

    static void sync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Checks (or makes) the directory a download goes into. */
    static void prepareParent(Path parent, boolean createDirs) {
        if (parent == null || Files.isDirectory(parent)) {
            return;
        }
        if (Files.exists(parent)) {
            throw SmolvmException.invalid(parent + " is not a directory, so nothing can be written in it");
        }
        if (!createDirs) {
            throw SmolvmException.notFound("the local directory " + parent + " does not exist (and --no-create-dirs "
                    + "was given)");
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw SmolvmException.invalid("cannot create the local directory " + parent + ": " + e.getMessage());
        }
    }

    static Path tempNextTo(Path target) {
        try {
            return Files.createTempFile(target.getParent(), "." + target.getFileName() + ".smolvm-", ".part");
        } catch (IOException e) {
            throw SmolvmException.invalid("cannot write in " + target.getParent() + ": " + e.getMessage());
        }
    }

    static Path tempDirNextTo(Path target) {
        try {
            return Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".smolvm-"
                    + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
        } catch (IOException e) {
            throw SmolvmException.invalid("cannot write in " + target.getParent() + ": " + e.getMessage());
        }
    }

    /**
     * What a guest's tar unpacked on the host is made harmless: device nodes, FIFOs and sockets are
     * removed, and set-uid, set-gid and sticky bits cleared.
     */
    static void makeSafe(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                if (Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).isOther()) {
                    Files.delete(p);
                    continue;
                }
                int m = ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
                if ((m & 07000) != 0) {
                    setMode(p, m);
                }
            }
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover temporary file is harmless
        }
    }

    static void deleteTreeQuietly(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(LocalFiles::deleteQuietly);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
