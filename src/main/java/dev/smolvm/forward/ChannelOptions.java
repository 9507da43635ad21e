package dev.smolvm.forward;

import dev.smolvm.SmolvmException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the host talks to the guest for a port command: {@code --comm-channel ssh|vsock} (null for
 * auto), {@code --ssh-user}, {@code --ssh-key}. Validated the same way for every door.
 */
public record ChannelOptions(CommChannel commChannel, String sshUser, Path sshKey) {
    public static final ChannelOptions DEFAULTS = new ChannelOptions(null, null, null);

    public ChannelOptions validated() {
        if (commChannel == CommChannel.VSOCK) {
            throw SmolvmException.unavailable(Files.exists(Path.of("/dev/vhost-vsock"))
                    ? "the vsock control channel is not supported by this version of smolvm; use --comm-channel ssh."
                    : "the vsock control channel needs /dev/vhost-vsock, which this host does not have; "
                    + "use --comm-channel ssh (or leave it unset).");
        }
        if (sshKey != null && !Files.isReadable(sshKey)) {
            throw SmolvmException.invalid("cannot read the SSH key " + sshKey + "; give a readable private key "
                    + "with --ssh-key.");
        }
        if (sshUser != null && !sshUser.matches("[A-Za-z_][A-Za-z0-9_.-]{0,31}")) {
            throw SmolvmException.invalid("invalid SSH user '" + sshUser + "'.");
        }
        return this;
    }
}
