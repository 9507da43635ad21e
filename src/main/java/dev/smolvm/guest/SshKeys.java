package dev.smolvm.guest;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** The SSH key smolvm logs into guests with ({@code ~/.smolvm/keys/id_ed25519}), made on first use. */
public final class SshKeys {
    private SshKeys() {
    }

    /** Makes the key pair if missing (private key 0600) and returns the public key line. */
    public static synchronized String ensure(Path privateKey) {
        Path pub = Path.of(privateKey + ".pub");
        try {
            if (!Files.exists(privateKey)) {
                Files.createDirectories(privateKey.getParent());
                Files.setPosixFilePermissions(privateKey.getParent(), PosixFilePermissions.fromString("rwx------"));
                var r = Cmd.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "smolvm", "-f",
                        privateKey.toString()).run();
                if (!r.ok() && !Files.exists(privateKey)) {
                    throw SmolvmException.internal("could not create the SSH key " + privateKey + ": "
                            + r.stderr().strip());
                }
                Files.setPosixFilePermissions(privateKey, PosixFilePermissions.fromString("rw-------"));
            }
            if (!Files.exists(pub)) {
                String derived = Cmd.of("ssh-keygen", "-y", "-f", privateKey.toString()).check().stdout();
                Files.writeString(pub, derived);
            }
            return Files.readString(pub).strip();
        } catch (IOException e) {
            throw SmolvmException.internal("cannot prepare the SSH key " + privateKey + ": " + e.getMessage());
        }
    }
}
