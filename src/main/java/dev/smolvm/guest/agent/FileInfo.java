package dev.smolvm.guest.agent;

/** A file the agent read: its size and permission bits. */
public record FileInfo(long size, int mode) {
}
