package dev.smolvm.runtime.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.Poll;
import dev.smolvm.host.Trace;
import dev.smolvm.runtime.VmSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * Saving and loading a VM over QMP. Save: {@code stop}; the disk overlay as it is now is frozen (a
 * hard link under the snapshot; QEMU reopens files by name, so none is renamed) and the VM is
 * switched with {@code blockdev-snapshot-sync} to a new overlay standing on it (by its name in the
 * sandbox's directory), named by the directory's {@code disk.current}; {@code migrate} writes memory and devices to a file; {@code cont}.
 * Load: QEMU started with {@code -incoming}, waited for until it has read the state, then {@code cont}.
 */
final class QemuSnapshots {
    static final String MACHINE = "pc";
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration SAVE_LIMIT = Duration.ofMinutes(5);
    /** max-bandwidth for a save, in bytes/s: in effect no limit (QEMU refuses above ~18 TB/s). */
    private static final long UNPACED = 1L << 40;

    private QemuSnapshots() {
    }

    static Map<String, String> save(VmSpec spec, String subject, Path state, Path frozenDisk, boolean resume,
                                   Runnable filesReady) {
        Path qmp = spec.qmpSocket();
        String version = version(qmp, subject);
        qmp(qmp, subject, "{\"execute\":\"stop\"}");
        Trace.mark("save: stopped");
        try {
            Path current = spec.overlayDisk();
            Files.createLink(frozenDisk, current);
            Path next = spec.dir().resolve("disk-" + Long.toHexString(System.nanoTime()) + ".qcow2");
            // The new overlay names the sandbox's own file as its backing, not the snapshot's link to
            // it (the same bytes): a snapshot that goes, or a save that fails past this point and
            // takes its directory with it, never leaves the sandbox on a missing backing file.
            Cmd.of("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-F", "qcow2", "-b", current.toString(),
                    next.toString(), spec.diskMib() + "M").check();
            qmp(qmp, subject, "{\"execute\":\"blockdev-snapshot-sync\",\"arguments\":{\"device\":\"root\","
                    + "\"snapshot-file\":" + JSON.writeValueAsString(next.toString())
                    + ",\"format\":\"qcow2\",\"mode\":\"existing\"}}");
            Path pointer = spec.dir().resolve("disk.current.part");
            Files.writeString(pointer, next.getFileName() + "\n");
            Files.move(pointer, spec.dir().resolve("disk.current"), StandardCopyOption.ATOMIC_MOVE);
            Trace.mark("save: disk frozen");
            // The VM is stopped, so nothing is gained by pacing the stream (QEMU's default is 128 MiB/s).
            qmp(qmp, subject, "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"max-bandwidth\":"
                    + UNPACED + "}}");
            long pid = Long.parseLong(Files.readString(spec.pidFile()).strip());
            Optional<Path> ramFile = GuestRam.openFile(pid, spec);
            Path part = state.resolveSibling(state.getFileName() + ".part");
            Path ram = state.resolveSibling(GuestRam.FILE);
            Path ramPart = state.resolveSibling(GuestRam.FILE + ".part"); // the copy of a shared RAM file
            long ramBytes; // what the memory file holds (a split counts its pages: no stat process)
            if (ramFile.isPresent()) {
                // RAM in a shared file: the stream holds the devices only, and the file is copied (GuestRam).
                setIgnoreShared(qmp, subject, true);
                qmp(qmp, subject, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":"
                        + JSON.writeValueAsString("exec:cat > '" + part.toString().replace("'", "'\\''") + "'") + "}}");
                awaitSaved(qmp, subject);
                Cmd.of("cp", "--sparse=always", ramFile.get().toString(), ramPart.toString()).check();
                ramBytes = GuestRam.allocated(ramPart);
                Files.move(ramPart, ram, StandardCopyOption.ATOMIC_MOVE);
                filesReady.run();
            } else {
                // Private RAM (a restore): the stream carries it, and is split on the way into a file.
                // That file is made first, at its size, and filled in place as the stream arrives, so a
                // restore may map it meanwhile: a private mapping sees the file's pages, later writes
                // included, until it writes them itself, and the restoring QEMU has no guest code to
                // run before the state loads (SnapshotE2ETest reads 32 MiB written before a fork back
                // in the clone). Until the state file is there the snapshot is not whole, as before.
                setIgnoreShared(qmp, subject, false);
                try (var f = java.nio.channels.FileChannel.open(ram, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    f.write(java.nio.ByteBuffer.allocate(1), spec.memoryMib() * 1024L * 1024L - 1);
                }
                filesReady.run();
                ramBytes = StreamSplit.receive(spec, qmp, subject, part, ram).dataPages() * RamSplitter.PAGE;
            }
            Trace.mark("save: memory and devices written");
            Map<String, String> facts = new HashMap<>(Map.of("qemu_version", version, "machine", MACHINE,
                    "vm_layout", GuestRam.LAYOUT, "ram_bytes", String.valueOf(ramBytes)));
            Files.move(part, state, StandardCopyOption.ATOMIC_MOVE);
            if (resume) {
                qmp(qmp, subject, "{\"execute\":\"cont\"}");
            }
            Trace.mark("save: source continues");
            return facts;
        } catch (IOException | RuntimeException e) {
            if (resume) {
                Qmp.send(qmp, "cont"); // the source goes on whatever became of its snapshot
            }
            if (e instanceof SmolvmException se) {
                throw se;
            }
            throw SmolvmException.internal("saving " + subject + " failed: " + e.getMessage());
        }
    }

    /** After a launch with -incoming: waits until QEMU has read the state, then runs the VM. */
    static void awaitLoaded(VmSpec spec, BooleanSupplier alive) {
        Path qmp = spec.qmpSocket();
        Poll.Deadline deadline = Poll.Deadline.in(Duration.ofMinutes(2));
        String status = "";
        while (!deadline.passed()) {
            if (!alive.getAsBoolean()) {
                throw notLoaded();
            }
            try {
                status = JSON.readTree(Qmp.execute(qmp, "{\"execute\":\"query-status\"}")).path("return")
                        .path("status").asText();
            } catch (IOException notYet) {
                status = "";
            }
            if (!status.isEmpty() && !status.equals("inmigrate")) {
                break;
            }
            Poll.sleep(Duration.ofMillis(5));
        }
        if (!status.equals("paused") && !status.equals("running")) {
            throw new SmolvmException(ErrorCode.TIMEOUT, "QEMU did not finish loading the snapshot's state (status '"
                    + status + "').");
        }
        Trace.mark("load: state read (" + status + ")");
        if (status.equals("paused")) {
            qmp(qmp, "the restored VM", "{\"execute\":\"cont\"}");
        }
    }

    /** Turns the x-ignore-shared migration capability on or off (it persists in the QEMU process). */
    static void setIgnoreShared(Path qmp, String subject, boolean on) {
        qmp(qmp, subject, "{\"execute\":\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
                + "[{\"capability\":\"x-ignore-shared\",\"state\":" + on + "}]}}");
    }

    /** A restore of a snapshot whose memory is a file: QEMU waits (-incoming defer) for this. */
    static void startIncoming(VmSpec spec) {
        // The loading QEMU must match the saving one: x-ignore-shared when the RAM was a shared file,
        // not when the stream was split (RamSplitter). The stream's configuration says which.
        boolean ignoreShared;
        try (var in = Files.newByteChannel(spec.restoreFrom().resolve("state"))) {
            ignoreShared = RamSplitter.ignoresShared(in);
        } catch (IOException e) {
            throw notLoaded();
        }
        setIgnoreShared(spec.qmpSocket(), "the restored VM", ignoreShared);
        Trace.mark("load: asking QEMU to read the state");
        try {
            qmp(spec.qmpSocket(), "the restored VM", "{\"execute\":\"migrate-incoming\",\"arguments\":{\"uri\":"
                    + JSON.writeValueAsString(QemuArgv.incomingUri(spec)) + "}}");
        } catch (IOException e) {
            throw SmolvmException.internal("cannot ask QEMU to load the snapshot: " + e.getMessage());
        }
    }

    static SmolvmException notLoaded() {
        return SmolvmException.unavailable("QEMU could not load the snapshot's saved state (it exited): the state "
                + "file is damaged or was made by a different QEMU or machine; delete the snapshot and take a new one.");
    }

    private static volatile String hostVersion;

    /**
     * "major.minor.micro" of the QEMU binary on this host. Every restore compares it, and asking
     * the binary costs a process start (~50 ms of a ~0.8 s create by restore), so the answer is
     * kept per process and in a file named by the binary's path, size and time (an upgrade changes
     * them; a QEMU upgraded under a running server is still caught when the load fails).
     */
    static String hostVersion() {
        String v = hostVersion;
        if (v == null) {
            Path cache = versionCache();
            try {
                v = cache != null && Files.isRegularFile(cache) ? Files.readString(cache).strip() : null;
            } catch (IOException unreadable) {
                v = null;
            }
            if (v == null || !v.matches("\\d+\\.\\d+\\.\\d+")) {
                v = askVersion();
                writeQuietly(cache, v);
            }
            hostVersion = v;
        }
        return v;
    }

    private static Path versionCache() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path bin = Path.of(dir.isEmpty() ? "." : dir, QemuBackend.BINARY);
            try {
                if (Files.isExecutable(bin)) {
                    Path real = bin.toRealPath();
                    String key = real + "|" + Files.size(real) + "|" + Files.getLastModifiedTime(real).toMillis();
                    return Path.of(System.getProperty("java.io.tmpdir"), "smolvm-qemu-version-"
                            + Integer.toHexString(key.hashCode()));
                }
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    private static void writeQuietly(Path cache, String version) {
        if (cache == null) {
            return;
        }
        try {
            Path tmp = Files.createTempFile(cache.getParent(), ".smolvm-qemu-version", ".tmp");
            Files.writeString(tmp, version + "\n");
            Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // asked again next time
        }
    }

    private static String askVersion() {
        var r = Cmd.of(QemuBackend.BINARY, "--version").run();
        var m = Pattern.compile("version (\\d+)\\.(\\d+)(?:\\.(\\d+))?").matcher(r.stdout());
        if (!r.ok() || !m.find()) {
            throw SmolvmException.unavailable("cannot tell this host's QEMU version ('" + QemuBackend.BINARY
                    + " --version' said: " + (r.stdout() + r.stderr()).strip() + ").");
        }
        return m.group(1) + "." + m.group(2) + "." + (m.group(3) == null ? "0" : m.group(3));
    }

    private static String version(Path qmp, String subject) {
        try {
            JsonNode q = JSON.readTree(qmp(qmp, subject, "{\"execute\":\"query-version\"}")).path("return").path("qemu");
            return q.path("major").asInt() + "." + q.path("minor").asInt() + "." + q.path("micro").asInt();
        } catch (IOException e) {
            throw SmolvmException.internal("QEMU's version answer for " + subject + " was not JSON.");
        }
    }

    static void awaitSaved(Path qmp, String subject) {
        Poll.Deadline deadline = Poll.Deadline.in(SAVE_LIMIT);
        while (!deadline.passed()) {
            String answer = qmp(qmp, subject, "{\"execute\":\"query-migrate\"}");
            if (answer.contains("\"completed\"")) {
                return;
            }
            if (answer.contains("\"failed\"") || answer.contains("\"cancelled\"")) {
                throw SmolvmException.internal("QEMU could not save the state of " + subject + ": " + answer);
            }
            Poll.sleep(Duration.ofMillis(5));
        }
        throw new SmolvmException(ErrorCode.TIMEOUT, "saving the state of " + subject + " took longer than "
                + SAVE_LIMIT.toMinutes() + " minutes.");
    }

    static String qmp(Path socket, String subject, String json) {
        String answer;
        try {
            answer = Qmp.execute(socket, json);
        } catch (IOException e) {
            throw SmolvmException.internal("could not reach the VM of " + subject + " over QMP: " + e.getMessage() + ".");
        }
        if (!answer.startsWith("{\"return\"")) {
            throw SmolvmException.internal("QEMU refused " + json + " for " + subject + ": " + answer + ".");
        }
        return answer;
    }
}
