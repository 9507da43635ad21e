package dev.smolvm.image;

import java.nio.file.Files;
import java.nio.file.Path;

/** A built guest image: a directory with a kernel, an initramfs, an ext4 root and the guest's host key. */
public record GuestImage(String name, Path dir) {

    public Path kernel() {
        return dir.resolve("vmlinuz");
    }

    public Path initrd() {
        return dir.resolve("initramfs.img");
    }

    public Path rootfs() {
        return dir.resolve("rootfs.ext4");
    }

    public Path hostKey() {
        return dir.resolve("host_key.pub");
    }

    public Path metadata() {
        return dir.resolve("image.json");
    }

    /**
     * Whether the image carries the smolvm guest agent (its image.json says {@code "channel": "agent"}):
     * the host then reaches the guest over virtio-serial, and sshd is only started when asked for.
     */
    public boolean hasAgent() {
        try {
            return Files.isRegularFile(metadata())
                    && Files.readString(metadata()).matches("(?s).*\"channel\"\\s*:\\s*\"agent\".*");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    public boolean complete() {
        return Files.isRegularFile(kernel()) && Files.isRegularFile(initrd()) && Files.isRegularFile(rootfs())
                && Files.isRegularFile(hostKey());
    }

    /** The root filesystem's size in MiB: the smallest disk a sandbox of this image can have. */
    public int rootfsMib() {
        try {
            return (int) (Files.size(rootfs()) / (1024 * 1024));
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
