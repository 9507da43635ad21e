package dev.smolvm.sandbox;

/**
 * How a guest command ended. {@code timedOut} means the time limit ended it (exit code 124);
 * {@code durationMs} is the wall time from sending the command to its end, as seen by the host.
 */
public record ExecResult(int exitCode, boolean timedOut, long durationMs) {
}
