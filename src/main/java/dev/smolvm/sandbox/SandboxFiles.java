package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.ShellWords;
import dev.smolvm.guest.agent.AgentClient;
import dev.smolvm.guest.agent.AgentException;
import dev.smolvm.guest.agent.ExecOutcome;
import dev.smolvm.guest.agent.ExecSpec;
import dev.smolvm.guest.agent.FileInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Files in and out of a running sandbox, through its guest agent: the one implementation behind
 * {@code smolvm sandbox file upload|download}, {@code PUT|GET /sandboxes/{id}/files} and the Java
 * API. Files are streamed (any size, binary-safe) and replace their target atomically on both
 * sides; directories travel as a tar stream.
 */
public final class SandboxFiles {
    /** A directory travels as tar: long enough for large trees, bounded so a stuck tar cannot hang forever. */
    private static final Duration TAR_LIMIT = Duration.ofHours(6);
    private final Sandboxes sandboxes;

    public SandboxFiles(Sandboxes sandboxes) {
        this.sandboxes = sandboxes;
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
            return new Transfer("directory", uploadDirectory(ref, local, guestPath, createDirs), null);
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
                    return new Transfer("directory", downloadDirectory(ref, guestPath, target), null);
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
                return new Transfer("directory", downloadDirectory(ref, guestPath, target), null);
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

    // ---- directories as tar ----------------------------------------------------------------

    /** The guest's tar: GNU tar where the image has it, else smolvm's busybox. */
    private static final String GUEST_TAR = "if command -v tar >/dev/null 2>&1; then T=tar; "
            + "else T='/usr/lib/smolvm/busybox tar'; fi; ";

    private long uploadDirectory(String ref, Path local, String guestDir, boolean createDirs) {
        Sandbox s = sandboxes.running(ref);
        String d = ShellWords.quote(guestDir);
        String parent = ShellWords.quote(parentOf(guestDir));
        // A new directory is unpacked next to its place and renamed into it, so a failed upload
        // leaves nothing half-made; an existing one is unpacked into (merged), as tar would.
        String script = GUEST_TAR
                + "if [ -e " + d + " ] && [ ! -d " + d + " ]; then echo " + ShellWords.quote(guestDir
                + " exists and is not a directory") + " >&2; exit 20; fi; "
                + (createDirs ? "mkdir -p " + parent + " || exit 21; "
                : "[ -d " + parent + " ] || { echo " + ShellWords.quote("the directory " + parentOf(guestDir)
                + " does not exist (and --no-create-dirs was given)") + " >&2; exit 22; }; ")
                + "if [ -d " + d + " ]; then $T -x -f - -C " + d + " || exit 23; exit 0; fi; "
                + "tmp=$(mktemp -d " + ShellWords.quote(parentOf(guestDir).replaceAll("/$", "") + "/.smolvm-upload-XXXXXX")
                + ") || exit 21; "
                + "if $T -x -f - -C \"$tmp\" && chmod 0755 \"$tmp\" && mv \"$tmp\" " + d + "; then exit 0; fi; "
                + "rm -rf \"$tmp\"; exit 23";
        ProcessBuilder tar = new ProcessBuilder("tar", "-c", "-f", "-", "-C", local.toString(), ".");
        tar.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = start(tar);
        CountingInput counted = new CountingInput(p.getInputStream());
        try {
            runTar(s, "upload " + local + " to " + guestDir, script, counted, OutputStream.nullOutputStream());
        } catch (RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
        finish(p, "tar -c " + local);
        return counted.count;
    }

    private long downloadDirectory(String ref, String guestDir, Path target) {
        Sandbox s = sandboxes.running(ref);
        boolean merge = Files.isDirectory(target);
        Path into = merge ? target : LocalFiles.tempDirNextTo(target);
        try {
            ProcessBuilder tar = new ProcessBuilder("tar", "-x", "-f", "-", "--no-same-owner", "-C", into.toString());
            tar.redirectErrorStream(true);
            Process p = start(tar);
            CountingOutput counted = new CountingOutput(p.getOutputStream());
            String script = GUEST_TAR + "cd " + ShellWords.quote(guestDir) + " && exec $T -c -f - .";
            try {
                runTar(s, "download " + guestDir, script, null, counted);
            } catch (RuntimeException e) {
                p.destroyForcibly();
                throw e;
            } finally {
                closeQuietly(counted);
            }
            finish(p, "tar -x into " + into);
            LocalFiles.makeSafe(into);
            if (!merge) {
                Files.move(into, target, StandardCopyOption.ATOMIC_MOVE);
            }
            return counted.count;
        } catch (IOException e) {
            throw SmolvmException.invalid("cannot unpack into " + target + ": " + e.getMessage());
        } finally {
            if (!merge) {
                LocalFiles.deleteTreeQuietly(into);
            }
        }
    }

    private void runTar(Sandbox s, String what, String script, InputStream stdin, OutputStream stdout) {
        var err = new ByteArrayOutputStream();
        ExecOutcome o;
        try (AgentClient client = sandboxes.agentClient(s.id())) {
            o = client.exec(ExecSpec.script(script).withEnv(java.util.Map.of("PATH",
                    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL", "C")),
                    stdin, stdout, err, TAR_LIMIT);
        } catch (AgentException e) {
            throw refused("cannot " + what + " in sandbox '" + s.name() + "'", e);
        }
        if (o.exitCode() != 0) {
            String said = err.toString(StandardCharsets.UTF_8).strip().replaceAll("\\s*\\n\\s*", "; ");
            ErrorCode code = o.exitCode() == 22 || said.contains("No such file") ? ErrorCode.NOT_FOUND
                    : ErrorCode.INVALID_INPUT;
            throw new SmolvmException(code, "cannot " + what + " in sandbox '" + s.name() + "': "
                    + (said.isEmpty() ? "the guest's tar exited " + o.exitCode() : said));
        }
    }

    private static Process start(ProcessBuilder pb) {
        try {
            return pb.start();
        } catch (IOException e) {
            throw SmolvmException.unavailable("cannot run tar on this host (directories travel as tar): "
                    + e.getMessage());
        }
    }

    private static void finish(Process p, String what) {
        try {
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            int code = p.waitFor();
            if (code != 0) {
                throw SmolvmException.invalid(what + " failed (exit " + code + ")" + (said.isEmpty() ? "" : ": " + said));
            }
        } catch (IOException e) {
            throw SmolvmException.internal(what + ": " + e.getMessage());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw SmolvmException.internal("interrupted during " + what);
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

    private static String parentOf(String guestPath) {
        String p = guestPath.replaceAll("/+$", "");
        int slash = p.lastIndexOf('/');
        return slash <= 0 ? "/" : p.substring(0, slash);
    }

    /** The agent's sentence, prefixed with what was being done; its code decides 404 or 422. */
    private static SmolvmException refused(String what, AgentException e) {
        return new SmolvmException(e.code(), what + ": " + e.getMessage(), e);
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException ignored) {
            // the local tar went away; its exit status says why
        }
    }

    private static final class CountingInput extends java.io.FilterInputStream {
        long count;

        CountingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    private static final class CountingOutput extends java.io.FilterOutputStream {
        long count;

        CountingOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }
    }
}
