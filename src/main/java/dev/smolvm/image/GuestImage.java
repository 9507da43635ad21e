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
        return agentChannel();
    }

    /** Whether the image has sshd and its host key (the Debian image), for 'sandbox ssh' and ssh tunnels. */
    public boolean hasSsh() {
        return Files.isRegularFile(hostKey());
    }

    public boolean complete() {
        return Files.isRegularFile(kernel()) && Files.isRegularFile(initrd()) && Files.isRegularFile(rootfs())
                && (Files.isRegularFile(hostKey()) || agentChannel());
    }

    /** What image.json says (an empty object when it is missing or unreadable). */
    public com.fasterxml.jackson.databind.JsonNode info() {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(metadata().toFile());
        } catch (java.io.IOException | RuntimeException e) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
    }

    /**
     * Whether the guest is reached through the smolvm agent (image.json says {@code "channel":
     * "agent"}): the Debian image (which also has sshd, started on first need) and pulled or imported
     * images (no sshd). Images built before the agent are reached over SSH.
     */
    public boolean agentChannel() {
        return "agent".equals(info().path("channel").asText());
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
