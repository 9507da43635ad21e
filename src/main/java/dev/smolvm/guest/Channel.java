package dev.smolvm.guest;

import dev.smolvm.host.Poll;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * One way to reach a running guest: how to tell it is reachable, how to connect, how to run a
 * command and how to ask it to power off. {@link SshChannel} (an OpenSSH ControlMaster) is the
 * one used today; a guest agent over virtio-serial is the next implementation of the same interface.
 */
public interface Channel {
    /** How the end of a command looks: its exit status, or that the time limit ended it. */
    record Outcome(int exitCode, boolean timedOut) {
    }

    /** What must hold before {@link #open} can succeed (SSH: port 22 accepts; an agent: its HELLO). */
    Readiness readiness();

    /**
     * Connects, retrying until {@code deadline}; fails early when {@code vmAlive} turns false. What it
     * opens (a ControlMaster, a socket) outlives this process until {@link #close}.
     */
    void open(Poll.Deadline deadline, BooleanSupplier vmAlive, String subject);

    /**
     * Runs {@code remoteCommand} (one shell string, see {@link GuestCommand}) streaming its output; past
     * {@code limit} it is ended, {@code onTimeout} runs, and the outcome has {@code timedOut} set.
     */
    Outcome exec(String remoteCommand, Duration limit, InputStream stdin, OutputStream stdout, OutputStream stderr,
                 Runnable onTimeout);

    /** Runs a short housekeeping command; true when it exited 0. */
    boolean run(String remoteCommand, Duration timeout);

    /** Asks the guest to power itself off (returns at once; the backend waits for the VM to go). */
    void requestPowerOff();

    /** Whether the connection {@link #open} made is still up. */
    boolean alive();

    /** Ends what {@link #open} made, if anything. Idempotent. */
    void close();
}
