package dev.smolvm.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Keeps smolvm's state private to the user who owns it: the home directory and every sandbox
 * directory 0700, the database, keys and control sockets 0600. Other local users could otherwise
 * read the SSH key, drive a VM through its QMP socket, or read and rewrite the state database.
 */
public final class FileModes {
    public static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    private FileModes() {
    }

    /** Creates {@code dir} if needed and makes it 0700. */
    public static Path privateDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        restrict(dir, PRIVATE_DIR);
        return dir;
    }

    /** Makes an existing file or socket 0600; a missing one is left alone. */
    public static void privateFile(Path file) throws IOException {
        if (Files.exists(file)) {
            restrict(file, PRIVATE_FILE);
        }
    }

    /** Whether {@code path} can be read by no one but its owner (group and other bits clear). */
    public static boolean isPrivate(Path path) throws IOException {
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(path);
        return p.stream().noneMatch(x -> x.name().startsWith("GROUP_") || x.name().startsWith("OTHERS_"));
    }

    private static void restrict(Path path, Set<PosixFilePermission> mode) throws IOException {
        if (!Files.getPosixFilePermissions(path).equals(mode)) {
            Files.setPosixFilePermissions(path, mode);
        }
    }
}
