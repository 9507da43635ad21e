package dev.smolvm.guest;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.FileModes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;

/**
 * The host end of a sandbox's agent channel: QEMU's virtio-serial socket takes one client, so one
 * detached {@code smolvm-agent-mux} per running sandbox holds it and lets every smolvm process
 * (CLI runs, the server, forwards) talk to the agent at once through {@code agent-mux.sock}. It
 * exits by itself when the VM goes away; like the SSH ControlMaster, it outlives the CLI.
 */
public final class AgentMux {
    /** The host end of the virtio-serial port, made by QEMU. */
    public static final String UPSTREAM = "agent.sock";
    /** Where clients connect: made 0600 by the mux. */
    public static final String SOCKET = "agent-mux.sock";
    private static final String RESOURCE = "/dev/smolvm/guest/agent/smolvm-agent-mux";

    private final Path binDir;

    /** {@code binDir}: where the mux binary is unpacked from smolvm's jar (the smolvm home's bin/). */
    public AgentMux(Path binDir) {
        this.binDir = binDir;
    }

    public static Path socketIn(Path sandboxDir) {
        return sandboxDir.resolve(SOCKET);
    }

    /** Whether the sandbox in {@code sandboxDir} was booted with an agent channel. */
    public static boolean usedBy(Path sandboxDir) {
        return Files.exists(sandboxDir.resolve(UPSTREAM)) || Files.exists(sandboxDir.resolve("agent.channel"));
    }

    /** Starts the mux for the VM whose agent socket is in {@code sandboxDir}; returns its pid. */
    public long start(Path sandboxDir) {
        Path binary = binary();
        Path log = sandboxDir.resolve("agent-mux.log");
        try {
            Files.deleteIfExists(socketIn(sandboxDir));
            Files.writeString(sandboxDir.resolve("agent.channel"), "agent\n"); // survives the socket files
            Process p = new ProcessBuilder(binary.toString(), "--upstream",
                    sandboxDir.resolve(UPSTREAM).toString(), "--listen", socketIn(sandboxDir).toString(), "--wait", "60",
                    "--health", sandboxDir.resolve(HEALTH).toString())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
            Files.writeString(sandboxDir.resolve("agent-mux.pid"), p.pid() + "\n");
            return p.pid();
        } catch (IOException e) {
            throw SmolvmException.internal("cannot start the guest agent's mux: " + e.getMessage());
        }
    }

    /** The file the mux writes the time of the agent's last word into (epoch seconds). */
    static final String HEALTH = "agent-health";
    /** Silence longer than this, while the VM runs, means the agent is hung or gone. */
    public static final java.time.Duration SILENCE_LIMIT = java.time.Duration.ofSeconds(10);

    /**
     * How long the agent of a running VM has said nothing, as its mux saw it (which pings it every
     * 2 s when idle); empty when that is not known (no mux running, no word yet).
     */
    public static java.util.Optional<java.time.Duration> silence(Path sandboxDir) {
        if (!running(sandboxDir)) {
            return java.util.Optional.empty();
        }
        try {
            long last = Long.parseLong(Files.readString(sandboxDir.resolve(HEALTH)).strip());
            return java.util.Optional.of(java.time.Duration.ofSeconds(Math.max(0,
                    java.time.Instant.now().getEpochSecond() - last)));
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /** A VM that was paused (its agent could not answer) or just restored: its silence starts now. */
    public static void heardNow(Path sandboxDir) {
        try {
            Files.writeString(sandboxDir.resolve(HEALTH), java.time.Instant.now().getEpochSecond() + "\n");
        } catch (IOException ignored) {
            // the mux writes it again at the agent's next word
        }
    }

    /** Whether the mux of {@code sandboxDir} is running. */
    public static boolean running(Path sandboxDir) {
        return pid(sandboxDir) != null;
    }

    /** Stops the mux of {@code sandboxDir}, if it still runs. */
    public static void stop(Path sandboxDir) {
        Long pid = pid(sandboxDir);
        if (pid != null) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
    }

    private static Long pid(Path sandboxDir) {
        try {
            long pid = Long.parseLong(Files.readString(sandboxDir.resolve("agent-mux.pid")).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().command().map(c -> c.endsWith("smolvm-agent-mux")).orElse(true))
                    .map(h -> pid).orElse(null);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /**
     * The command prefix that runs a program with all its memory open to KSM: the mux binary's
     * {@code --exec-mergeable} mode (PR_SET_MEMORY_MERGE). QEMU is launched through it.
     */
    public List<String> mergeableLauncher() {
        return List.of(binary().toString(), "--exec-mergeable", "--");
    }

    /** The mux binary, unpacked from the jar once per content (a changed jar gets a new copy). */
    Path binary() {
        try (InputStream in = AgentMux.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw SmolvmException.internal("smolvm-agent-mux is missing from smolvm's jar; rebuild smolvm "
                        + "('./smolvm' rebuilds when sources change)");
            }
            byte[] bytes = in.readAllBytes();
            Path target = binDir.resolve("smolvm-agent-mux");
            if (Files.isExecutable(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
                return target;
            }
            FileModes.privateDir(binDir);
            Path tmp = Files.createTempFile(binDir, ".mux", ".tmp");
            Files.write(tmp, bytes);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw SmolvmException.internal("cannot unpack smolvm-agent-mux into " + binDir + ": " + e.getMessage());
        }
    }
}
