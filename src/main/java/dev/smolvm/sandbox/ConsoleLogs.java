package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.runtime.VmSpec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Sandboxes' serial console logs, for {@code sandbox logs}: the log QEMU writes in the sandbox
 * directory or, when that is gone, the copy kept in {@code ~/.smolvm/logs/<id>-console.log} when a
 * boot failed. A failed {@code create} removes the sandbox but names its id, so the kept copy is
 * found by that id too.
 */
public final class ConsoleLogs {
    /** One sandbox's log; {@code file} may not exist yet (nothing written, or nothing kept). */
    public record Log(String sandbox, String id, Path file) {
    }

    private final Home home;
    private final Sandboxes sandboxes;

    public ConsoleLogs(Home home, Sandboxes sandboxes) {
        this.home = home;
        this.sandboxes = sandboxes;
    }

    /** The log of the sandbox {@code ref} (name or id); NOT_FOUND when there is neither a sandbox nor a kept log. */
    public Log find(String ref) {
        Sandbox s;
        try {
            s = sandboxes.get(ref);
        } catch (SmolvmException e) {
            if (e.code() == ErrorCode.NOT_FOUND && SandboxNames.isId(ref) && Files.exists(home.keptConsoleLog(ref))) {
                return new Log(ref, ref, home.keptConsoleLog(ref));
            }
            throw e;
        }
        Path live = VmSpec.consoleLogIn(sandboxes.dirOf(s));
        Path kept = home.keptConsoleLog(s.id());
        return new Log(s.name(), s.id(), Files.exists(live) || !Files.exists(kept) ? live : kept);
    }

    /** The whole log as text ("" when there is none yet). */
    public String read(Log log) {
        try {
            return Files.exists(log.file()) ? Files.readString(log.file(), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw SmolvmException.internal("cannot read " + log.file() + ": " + e.getMessage());
        }
    }

    /**
     * Copies the log to {@code out}, then what is appended to it, every {@code poll}, until the
     * sandbox's VM is gone (stopped, crashed, deleted) or this thread is interrupted. A log that
     * shrinks was started again by a new boot and is read from its beginning.
     */
    public void follow(Log log, OutputStream out, Duration poll) {
        long offset = 0;
        try {
            while (true) {
                boolean vmAlive = vmAlive(log.id()); // asked before reading, so the VM's last words are not lost
                offset = copyFrom(log.file(), offset, out);
                if (!vmAlive) {
                    return;
                }
                if (!dev.smolvm.host.Poll.sleep(poll)) {
                    return; // interrupted
                }
            }
        } catch (IOException e) {
            throw SmolvmException.internal("cannot follow " + log.file() + ": " + e.getMessage());
        }
    }

    private boolean vmAlive(String id) {
        try {
            return sandboxes.get(id).status().hasVm();
        } catch (SmolvmException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                return false; // deleted, or known only by its kept log
            }
            throw e;
        }
    }

    /** The last {@code lines} lines of a log (fewer when it is shorter; none when it cannot be read). */
    static List<String> tail(Path file, int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).replace("\r", "")
                    .lines().filter(l -> !l.isBlank()).toList();
            return List.copyOf(all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Writes what {@code file} holds beyond {@code offset}; returns the new offset. */
    static long copyFrom(Path file, long offset, OutputStream out) throws IOException {
        if (!Files.exists(file)) {
            return offset;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            long from = length < offset ? 0 : offset;
            f.seek(from);
            byte[] buf = new byte[64 * 1024];
            long at = from;
            while (at < length) {
                int n = f.read(buf, 0, (int) Math.min(buf.length, length - at));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                at += n;
            }
            out.flush();
            return at;
        }
    }
}
