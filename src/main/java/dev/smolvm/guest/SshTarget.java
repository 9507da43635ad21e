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
                "-o", "ConnectionAttempts=1",
                // Classic curve25519 rather than the post-quantum hybrid OpenSSH now prefers: the guest
                // computes its side under emulation, where sntrup761 costs ~100 ms per handshake.
                "-o", "KexAlgorithms=curve25519-sha256,curve25519-sha256@libssh.org",
                "-o", "GSSAPIAuthentication=no", "-o", "PreferredAuthentications=publickey"));
        if (controlPath != null) {
            a.addAll(List.of("-o", "ControlPath=" + controlPath, "-o", "ControlMaster=auto", "-o", "ControlPersist=yes"));
        } else {
            a.addAll(List.of("-o", "ControlPath=none", "-o", "ControlMaster=no"));
        }
        return a;
    }

    /** The same guest over a connection of its own (for long-lived tunnels with their own pid). */
    public SshTarget withoutMaster() {
        return new SshTarget(host, port, user, key, knownHosts, null);
    }

    /**
     * The same guest as another user or with another key. Such a session never shares the
     * ControlMaster, which is authenticated as smolvm's own user and key.
     */
    public SshTarget as(String otherUser, Path otherKey) {
        boolean same = otherUser.equals(user) && otherKey.toAbsolutePath().equals(key.toAbsolutePath());
        return new SshTarget(host, port, otherUser, otherKey, knownHosts, same ? controlPath : null);
    }
}
