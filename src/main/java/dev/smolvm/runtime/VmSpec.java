package dev.smolvm.runtime;

import dev.smolvm.network.NetworkMode;

import java.nio.file.Path;

/**
 * Everything a backend needs to boot one guest. {@code tap} and {@code mac} are set in TAP mode,
 * {@code sshHostPort} in user mode; {@code agentSocket} (the host end of the guest agent's
 * virtio-serial port) when the image carries the agent. {@code restoreFrom} (a snapshot's
 * directory: {@code state} and {@code disk.qcow2}) makes the boot a restore: the new overlay stands
 * on the snapshot's disk, and the VM loads the saved memory and devices instead of booting.
 */
public record VmSpec(
        String id,
        Path dir,
        Path kernel,
        Path initrd,
        Path baseDisk,
        String kernelCmdline,
        int memoryMib,
        int cpus,
        int diskMib,
        NetworkMode networkMode,
        String tap,
        String mac,
        Integer sshHostPort,
        Path agentSocket,
        Path restoreFrom) {

    /** The overlay the VM writes: disk.qcow2, or the one disk.current names after a snapshot moved it on. */
    public Path overlayDisk() {
        return overlayIn(dir);
    }

    public static Path overlayIn(Path sandboxDir) {
        Path pointer = sandboxDir.resolve("disk.current");
        try {
            if (java.nio.file.Files.isRegularFile(pointer)) {
                return sandboxDir.resolve(java.nio.file.Files.readString(pointer).strip());
            }
        } catch (java.io.IOException unreadable) {
            // fall back to the first overlay
        }
        return sandboxDir.resolve("disk.qcow2");
    }

    public Path consoleLog() {
        return consoleLogIn(dir);
    }

    /** The serial console log QEMU writes in a sandbox directory. */
    public static Path consoleLogIn(Path sandboxDir) {
        return sandboxDir.resolve("console.log");
    }

    public Path qmpSocket() {
        return dir.resolve("qmp.sock");
    }

    public Path pidFile() {
        return pidFileIn(dir);
    }

    /** The pid file a backend writes in a sandbox directory (read when the pid was never recorded). */
    public static Path pidFileIn(Path sandboxDir) {
        return sandboxDir.resolve("vm.pid");
    }
}
