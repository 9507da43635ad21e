package dev.smolvm.forward;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Poll;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A detached {@code ssh -N -L 127.0.0.1:H:GUEST:P} per forward, in its own session so it outlives
 * the CLI. Works wherever SSH reaches the guest (user-mode networking too); TCP only.
 */
public final class SshTunnelTransport implements Transport {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    @Override
    public TransportKind kind() {
        return TransportKind.SSH_TUNNEL;
    }

    /** Thrown when the host port turned out to be taken when ssh tried to bind it. */
    public static final class PortTaken extends SmolvmException {
        PortTaken(String message) {
            super(ErrorCode.CONFLICT, message);
        }
    }

    @Override
    public Long open(ForwardTarget target, Protocol protocol, int hostPort, int guestPort) {
        if (protocol != Protocol.TCP) {
            throw SmolvmException.unavailable("UDP forwards need the nftables transport, which this sandbox cannot "
                    + "use (its guest is not routable from the host); forward a TCP port instead.");
        }
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        argv.addAll(target.ssh().baseArgs());
        argv.addAll(List.of("-N", "-o", "ExitOnForwardFailure=yes",
                "-L", spec(hostPort, guestPort, target.guestIp()), target.ssh().host()));
        Path log = target.logDir().resolve("tunnel-" + hostPort + ".log");
        Process p;
        try {
            Files.createDirectories(target.logDir());
            p = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw SmolvmException.unavailable("cannot run ssh for the tunnel: " + e.getMessage());
        }
        boolean up = Poll.until(READY_TIMEOUT, Duration.ofMillis(50), () -> {
            if (!p.isAlive()) {
                String why = readLog(log);
                if (why.contains("Address already in use") || why.contains("cannot listen to port")) {
                    throw new PortTaken("host port " + hostPort + " is already in use");
                }
                throw SmolvmException.unavailable("the SSH tunnel to sandbox '" + target.sandboxName()
                        + "' failed: " + (why.isBlank() ? "ssh exited with " + p.exitValue() : why));
            }
            return listening(hostPort);
        });
        if (up) {
            return p.pid();
        }
        p.destroyForcibly();
        throw new SmolvmException(ErrorCode.TIMEOUT, "the SSH tunnel to sandbox '" + target.sandboxName()
                + "' did not come up within " + READY_TIMEOUT.toSeconds() + " s; is the sandbox reachable?");
    }

    @Override
    public void close(String sandboxId, Forward f) {
        if (f.pid() != null && alive(sandboxId, f)) {
            ProcessHandle.of(f.pid()).ifPresent(ProcessHandle::destroy);
            ProcessHandle.of(f.pid()).ifPresent(h -> {
                try {
                    h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            });
        }
    }

    @Override
    public boolean alive(String sandboxId, Forward f) {
        if (f.pid() == null) {
            return false;
        }
        try {
            String cmdline = Files.readString(Path.of("/proc", f.pid().toString(), "cmdline")).replace('\0', ' ');
            return cmdline.contains(spec(f.hostPort(), f.guestPort(), f.guestIp()));
        } catch (IOException e) {
            return false;
        }
    }

    static String spec(int hostPort, int guestPort, String guestIp) {
        return "127.0.0.1:" + hostPort + ":" + guestIp + ":" + guestPort;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String readLog(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
