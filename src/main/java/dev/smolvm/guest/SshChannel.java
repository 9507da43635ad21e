package dev.smolvm.guest;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs commands in a guest over OpenSSH. The first connection becomes a detached ControlMaster
 * ({@code ControlPersist=yes}) that outlives this process, so later commands skip the handshake.
 */
public final class SshChannel {
    private final SshTarget target;

    public SshChannel(SshTarget target) {
        this.target = target;
    }

    public SshTarget target() {
        return target;
    }

    /**
     * Waits until the guest accepts SSH and the ControlMaster is up: first for {@code guestSaidReady}
     * (its init's line on the console, read cheaply), then for port 22, then one handshake. Fails
     * early when {@code vmAlive} turns false (the VM died), with TIMEOUT when the deadline passes.
     */
    public void awaitReady(Duration timeout, BooleanSupplier vmAlive, BooleanSupplier guestSaidReady, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long checks = 0;
        while (System.nanoTime() < deadline) {
            if (checks == 0) {
                dev.smolvm.host.Trace.mark("boot: waiting for the guest");
            }
            if (checks++ % 10 == 0 && !vmAlive.getAsBoolean()) {
                throw SmolvmException.internal(what + " stopped while booting");
            }
            if (guestSaidReady.getAsBoolean() && portOpen(50)) {
                dev.smolvm.host.Trace.mark("boot: port 22 open");
                var r = Cmd.of(command(List.of("true"))).withTimeout(Duration.ofSeconds(15)).run();
                if (r.ok()) {
                    return;
                }
            }
            sleep(10);
        }
        throw new SmolvmException(dev.smolvm.ErrorCode.TIMEOUT, what + " did not answer over SSH within "
                + timeout.toSeconds() + " s");
    }

    private boolean portOpen(int timeoutMillis) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(target.host(), target.port()), timeoutMillis);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The full ssh argv to run {@code remoteCommand} (already one shell string, or words). */
    public List<String> command(List<String> remote) {
        List<String> argv = new ArrayList<>(target.baseArgs());
        argv.add("-T");
        argv.add(target.host());
        argv.add("--");
        argv.addAll(remote);
        return argv;
    }

    /** How a command ended: its exit status, or that the time limit ended it. */
    public record Outcome(int exitCode, boolean timedOut) {
    }

    /**
     * Runs {@code remoteCommand} in the guest, streaming its output. Past {@code limit} the local
     * client is killed, {@code onTimeout} runs (to end the command in the guest), and the outcome
     * is {@link GuestCommand#TIMED_OUT} with {@code timedOut} set.
     */
    public Outcome exec(String remoteCommand, Duration limit, InputStream stdin, OutputStream stdout,
                        OutputStream stderr, Runnable onTimeout) {
        ProcessBuilder pb = new ProcessBuilder(command(List.of(remoteCommand)));
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw SmolvmException.unavailable("cannot run ssh (is openssh-client installed?): " + e.getMessage());
        }
        Thread in = stdin == null ? null : Thread.ofVirtual().start(() -> pump(stdin, p.getOutputStream(), true));
        Thread out = Thread.ofVirtual().start(() -> pump(p.getInputStream(), stdout, false));
        Thread err = Thread.ofVirtual().start(() -> pump(p.getErrorStream(), stderr, false));
        try {
            boolean done = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly();
                onTimeout.run();
                p.waitFor();
            }
            out.join();
            err.join();
            if (in != null) {
                in.interrupt();
            }
            return done ? new Outcome(p.exitValue(), false) : new Outcome(GuestCommand.TIMED_OUT, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            onTimeout.run();
            return new Outcome(GuestCommand.TIMED_OUT, true);
        }
    }

    /** Runs a short command and returns its result (for housekeeping like poweroff). */
    public Cmd.Result run(String remoteCommand, Duration timeout) {
        return Cmd.of(command(List.of(remoteCommand))).withTimeout(timeout).run();
    }

    public boolean masterAlive() {
        return target.controlPath() != null && Files.exists(target.controlPath()) && Cmd.of("ssh", "-o", "ControlPath=" + target.controlPath(),
                "-O", "check", target.host()).withTimeout(Duration.ofSeconds(5)).run().ok();
    }

    /** Ends the detached ControlMaster, if any. */
    public void closeMaster() {
        if (target.controlPath() != null && Files.exists(target.controlPath())) {
            Cmd.of("ssh", "-o", "ControlPath=" + target.controlPath(), "-O", "exit", target.host())
                    .withTimeout(Duration.ofSeconds(5)).run();
            try {
                Files.deleteIfExists(target.controlPath());
            } catch (IOException ignored) {
                // the master removes it itself
            }
        }
    }

    private static void pump(InputStream from, OutputStream to, boolean closeTarget) {
        byte[] buf = new byte[16384];
        try (from) {
            int n;
            while ((n = from.read(buf)) > 0) {
                to.write(buf, 0, n);
                to.flush();
            }
        } catch (IOException ignored) {
            // the other side went away; the exit status tells the rest
        } finally {
            if (closeTarget) {
                try {
                    to.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
