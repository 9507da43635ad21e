package dev.smolvm.guest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to reach one guest over SSH: address, key, the pinned host key, and the ControlMaster
 * socket shared by every command to that guest. {@link #baseArgs()} is pure.
 */
public record SshTarget(String host, int port, String user, Path key, Path knownHosts, Path controlPath) {
    /** The name the guest's host key is pinned under in {@code knownHosts}. */
    public static final String HOST_KEY_ALIAS = "smolvm-guest";

    public List<String> baseArgs() {
        List<String> a = new ArrayList<>(List.of("ssh",
                "-i", key.toString(), "-p", String.valueOf(port), "-l", user,
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "HostKeyAlias=" + HOST_KEY_ALIAS, "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
                "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=6",
                "-o", "ControlPath=" + controlPath, "-o", "ControlMaster=auto", "-o", "ControlPersist=yes"));
        return a;
    }

    public SshTarget as(String otherUser, Path otherKey) {
        return new SshTarget(host, port, otherUser, otherKey, knownHosts, controlPath);
    }
}
