package dev.smolvm.forward;

import dev.smolvm.guest.SshTarget;

import java.nio.file.Path;

/** The sandbox end of a forward: its id, its address, how to SSH to it, where to log. */
public record ForwardTarget(String sandboxId, String sandboxName, String guestIp, SshTarget ssh, Path logDir) {
}
