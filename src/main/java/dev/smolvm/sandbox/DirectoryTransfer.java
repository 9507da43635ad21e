package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.ShellWords;
import dev.smolvm.guest.agent.AgentClient;
import dev.smolvm.guest.agent.AgentException;
import dev.smolvm.guest.agent.ExecOutcome;
import dev.smolvm.guest.agent.ExecSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * A directory in or out of a sandbox, as a tar stream between the host's tar and the guest's (run
 * through its agent). A new directory appears whole or not at all, on both sides; an existing one
 * is merged into, as tar would.
 */
final class DirectoryTransfer {
    /** Long enough for large trees, bounded so a stuck tar cannot hang forever. */
    private static final Duration TAR_LIMIT = Duration.ofHours(6);
    private final Sandboxes sandboxes;

    DirectoryTransfer(Sandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    /** The guest's tar: GNU tar where the image has it, else smolvm's busybox. */
    private static final String GUEST_TAR = "if command -v tar >/dev/null 2>&1; then T=tar; "
            + "else T='/usr/lib/smolvm/busybox tar'; fi; ";

    long upload(String ref, Path local, String guestDir, boolean createDirs) {
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

    long download(String ref, String guestDir, Path target) {
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
            throw SandboxFiles.refused("cannot " + what + " in sandbox '" + s.name() + "'", e);
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

    private static String parentOf(String guestPath) {
        String p = guestPath.replaceAll("/+$", "");
        int slash = p.lastIndexOf('/');
        return slash <= 0 ? "/" : p.substring(0, slash);
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
