package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;
import dev.smolvm.guest.agent.AgentClient;
import dev.smolvm.guest.agent.AgentException;
import dev.smolvm.guest.agent.FileInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

/**
 * Files in and out of a running sandbox, through its guest agent: the one implementation behind
 * {@code smolvm sandbox file upload|download}, {@code PUT|GET /sandboxes/{id}/files} and the Java
 * API. Files are streamed (any size, binary-safe) and replace their target atomically on both
 * sides; directories travel as a tar stream.
 */
public final class SandboxFiles {
    private final Sandboxes sandboxes;
    private final DirectoryTransfer directories;

    public SandboxFiles(Sandboxes sandboxes) {
        this.sandboxes = sandboxes;
        this.directories = new DirectoryTransfer(sandboxes);
    }

    /** What moved: a file or a directory, its bytes (a directory's: the tar stream's), and a file's mode. */
    public record Transfer(String kind, long bytes, Integer mode) {
    }

    /**
     * Writes {@code data} to the absolute guest path {@code guestPath}, atomically: the old file
     * stays until all of it has arrived. {@code mode} null keeps a replaced file's mode (new
     * files: 0644). Returns the bytes written.
     */
    public long write(String ref, String guestPath, InputStream data, Integer mode, boolean createDirs) {
        checkGuestPath(guestPath);
        checkMode(mode);
        Sandbox s = sandboxes.running(ref);
        try (AgentClient client = sandboxes.agentClient(ref)) {
            return client.writeFile(guestPath, data, mode, createDirs);
        } catch (AgentException e) {
            throw refused("cannot write " + guestPath + " in sandbox '" + s.name() + "'", e);
        }
    }

    /** Streams the guest file {@code guestPath} into {@code sink}; {@code onInfo} hears its size and mode first. */
    public FileInfo read(String ref, String guestPath, OutputStream sink, Consumer<FileInfo> onInfo) {
        checkGuestPath(guestPath);
        Sandbox s = sandboxes.running(ref);
        try (AgentClient client = sandboxes.agentClient(ref)) {
            return client.readFile(guestPath, sink, onInfo);
        } catch (AgentException e) {
            throw refused("cannot read " + guestPath + " in sandbox '" + s.name() + "'", e);
        }
    }

    /**
     * Uploads a local file (with its mode unless {@code mode} is given) or a local directory (as a
     * tar stream unpacked in the guest) to {@code guestPath}.
     */
    public Transfer upload(String ref, Path local, String guestPath, Integer mode, boolean createDirs) {
        checkGuestPath(guestPath);
        checkMode(mode);
        if (!Files.exists(local)) {
            throw SmolvmException.notFound("there is no local file or directory " + local + " to upload");
        }
        if (Files.isDirectory(local)) {
            return new Transfer("directory", directories.upload(ref, local, guestPath, createDirs), null);
        }
        if (!Files.isRegularFile(local)) {
            throw SmolvmException.invalid(local + " is not a regular file or a directory, so it cannot be uploaded");
        }
        int fileMode = mode != null ? mode : LocalFiles.mode(local);
        try (InputStream in = Files.newInputStream(local)) {
            return new Transfer("file", write(ref, guestPath, in, fileMode, createDirs), fileMode);
        } catch (IOException e) {
            throw SmolvmException.invalid("cannot read " + local + ": " + e.getMessage());
        }
    }

    /**
     * Downloads a guest file (kept with its mode, written to a temporary file and renamed over
     * {@code local}) or a guest directory (as a tar stream unpacked into {@code local}).
     */
    public Transfer download(String ref, String guestPath, Path local, boolean createDirs) {
        checkGuestPath(guestPath);
        Path target = local.toAbsolutePath().normalize();
        Path parent = target.getParent();
        LocalFiles.prepareParent(parent, createDirs);
        if (Files.isDirectory(target) && !Files.isSymbolicLink(target)) {
            // A local directory is where a guest directory goes; a guest file cannot replace it.
            return downloadDirectoryOrRefuse(ref, guestPath, target);
        }
        Path tmp = LocalFiles.tempNextTo(target);
        try {
            FileInfo info;
            try (OutputStream out = Files.newOutputStream(tmp)) {
                info = read(ref, guestPath, out, i -> { });
            } catch (SmolvmException e) {
                if (e.getCause() instanceof AgentException c && "EISDIR".equals(c.agentCode())) {
                    Files.deleteIfExists(tmp);
                    return new Transfer("directory", directories.download(ref, guestPath, target), null);
                }
                throw e;
            }
            LocalFiles.setMode(tmp, info.mode());
            LocalFiles.sync(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Transfer("file", info.size(), info.mode() & 07777);
        } catch (IOException e) {
            throw SmolvmException.invalid("cannot write " + target + ": " + e.getMessage());
        } finally {
            LocalFiles.deleteQuietly(tmp);
        }
    }

    private Transfer downloadDirectoryOrRefuse(String ref, String guestPath, Path target) {
        // Reading a directory is refused at once, without data; a file stops at its first byte.
        try {
            read(ref, guestPath, new RefuseData(), i -> { });
        } catch (SmolvmException e) {
            if (e.getCause() instanceof AgentException c && "EISDIR".equals(c.agentCode())) {
                return new Transfer("directory", directories.download(ref, guestPath, target), null);
            }
            if (!(e.getCause() instanceof AgentException c && "EIO".equals(c.agentCode()))) {
                throw e;
            }
        }
        throw SmolvmException.invalid(target + " is a directory, but " + guestPath + " in the sandbox is a file; "
                + "name the local file to write, e.g. " + target.resolve(Path.of(guestPath).getFileName()));
    }

    /** Stops a read at its first byte. */
    private static final class RefuseData extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("not a directory");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("not a directory");
        }
    }

    // ---- checks -----------------------------------------------------------------------------

    static void checkGuestPath(String path) {
        if (path == null || path.isBlank()) {
            throw SmolvmException.invalid("no guest path given; name an absolute path in the sandbox, e.g. /root/data.bin");
        }
        if (!path.startsWith("/")) {
            throw SmolvmException.invalid("the guest path '" + path + "' is relative; give an absolute path in the "
                    + "sandbox, e.g. /root/" + path);
        }
        if (path.indexOf('\0') >= 0) {
            throw SmolvmException.invalid("the guest path contains a NUL byte, which no file name can hold");
        }
    }

    /**
     * Octal permission bits as people write them ({@code 750}, {@code 0750}); null for none.
     * {@code what} names the input in the sentence ({@code --mode}, {@code mode}).
     */
    public static Integer parseMode(String mode, String what) {
        if (mode == null || mode.isEmpty()) {
            return null;
        }
        try {
            int m = Integer.parseInt(mode, 8);
            if (m >= 0 && m <= 07777) {
                return m;
            }
        } catch (NumberFormatException e) {
            // the sentence below
        }
        throw SmolvmException.invalid(what + " '" + mode + "' is not an octal file mode; use permission bits such as "
                + "644 or 0750.");
    }

    private static void checkMode(Integer mode) {
        if (mode != null && (mode < 0 || mode > 07777)) {
            throw SmolvmException.invalid("mode " + Integer.toOctalString(mode) + " is not a file mode; use octal "
                    + "permission bits such as 644 or 0750");
        }
    }

    /** The agent's sentence, prefixed with what was being done; its code decides 404 or 422. */
    static SmolvmException refused(String what, AgentException e) {
        return new SmolvmException(e.code(), what + ": " + e.getMessage(), e);
    }
}
