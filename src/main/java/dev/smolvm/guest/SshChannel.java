package dev.smolvm.guest;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.Poll;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
public final class SshChannel implements Channel {
    private final SshTarget target;

    public SshChannel(SshTarget target) {
        this.target = target;
    }

    public SshTarget target() {
        return target;
    }

    /** Port 22 (or the user-mode forward to it) accepts connections. */
    @Override
    public Readiness readiness() {
        return Readiness.tcpPort(target.host(), target.port());
    }

    /**
     * One handshake that leaves the ControlMaster up, retried until {@code deadline} (sshd may
     * accept before it can serve); fails early when {@code vmAlive} turns false.
     */
    @Override
    public void open(Poll.Deadline deadline, BooleanSupplier vmAlive, String subject) {
        dev.smolvm.host.Trace.mark("boot: ssh handshake");
        int[] tries = {0};
        boolean ok = Poll.until(deadline, Duration.ofMillis(10), () -> {
            if (tries[0]++ % 10 == 0 && !vmAlive.getAsBoolean()) {
                throw SmolvmException.internal(subject + " stopped while booting");
            }
            return Cmd.of(command(List.of("true"))).withTimeout(Duration.ofSeconds(15)).run().ok();
        });
        if (!ok) {
            throw new SmolvmException(dev.smolvm.ErrorCode.TIMEOUT, subject + " did not answer over SSH within "
                    + deadline.span().toSeconds() + " s");
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

    /**
     * Runs {@code remoteCommand} in the guest, streaming its output. Past {@code limit} the local
     * client is killed, {@code onTimeout} runs (to end the command in the guest), and the outcome
     * is {@link GuestCommand#TIMED_OUT} with {@code timedOut} set.
     */
    @Override
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

    @Override
    public boolean run(String remoteCommand, Duration timeout) {
        return Cmd.of(command(List.of(remoteCommand))).withTimeout(timeout).run().ok();
    }

    /** The image's busybox poweroff (the guest has no systemd), in the background so ssh returns. */
    @Override
    public void requestPowerOff() {
        run("(/usr/lib/smolvm/busybox poweroff || poweroff) >/dev/null 2>&1 &", Duration.ofSeconds(5));
    }

    @Override
    public boolean alive() {
        return target.controlPath() != null && Files.exists(target.controlPath()) && Cmd.of("ssh", "-o", "ControlPath=" + target.controlPath(),
                "-O", "check", target.host()).withTimeout(Duration.ofSeconds(5)).run().ok();
    }

    /** Ends the detached ControlMaster, if any. */
    @Override
    public void close() {
        closeMaster(target.controlPath());
    }

    /** Ends the ControlMaster listening on {@code controlPath}, if any (the host name does not matter to -O exit). */
    public static void closeMaster(Path controlPath) {
        if (controlPath != null && Files.exists(controlPath)) {
            Cmd.of("ssh", "-o", "ControlPath=" + controlPath, "-O", "exit", "guest")
                    .withTimeout(Duration.ofSeconds(5)).run();
            try {
                Files.deleteIfExists(controlPath);
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
}
