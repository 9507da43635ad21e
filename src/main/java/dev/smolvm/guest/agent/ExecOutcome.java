package dev.smolvm.guest.agent;

import dev.smolvm.guest.GuestCommand;

/**
 * How a process ended: its exit code, or the signal that ended it (0 when none), and whether the
 * host's time limit ended it. {@link #exitCode()} is what a shell would report: the code, 128 +
 * the signal, or {@link GuestCommand#TIMED_OUT} when the time limit killed it.
 */
public record ExecOutcome(int code, int signal, boolean timedOut) {
    public int exitCode() {
        if (timedOut) {
            return GuestCommand.TIMED_OUT;
        }
        return signal != 0 ? 128 + signal : code;
    }
}
