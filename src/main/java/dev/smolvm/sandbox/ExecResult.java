package dev.smolvm.sandbox;

/** How a guest command ended. {@code timedOut} means the time limit ended it (exit code 124). */
public record ExecResult(int exitCode, boolean timedOut) {
}
