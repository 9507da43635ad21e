package dev.smolvm.runtime;

import dev.smolvm.host.Poll;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One way to run a guest (QEMU, Firecracker, libkrun). A backend boots a VM that outlives the
 * calling process and answers for it by pid afterwards.
 */
public interface Backend {
    BackendKind kind();

    /** Throws {@code UNAVAILABLE} with a sentence saying what is missing when this host cannot run it. */
    void ensureAvailable();

    /** The accelerator the backend will use ("kvm", "tcg"), for display. */
    String accelerator();

    /** Boots the VM detached from this process and returns its pid. */
    long boot(VmSpec spec);

    /**
     * Boots the VM as {@link #boot(VmSpec)} does; {@code beforeGuestRuns} (the host's last set-up
     * for it, such as its egress rules) has finished before the guest runs an instruction. A backend
     * whose VM can start paused runs it meanwhile; if it fails, no VM is left.
     */
    default long boot(VmSpec spec, Runnable beforeGuestRuns) {
        beforeGuestRuns.run();
        return boot(spec);
    }

    /** Whether {@code pid} is still this sandbox's VM (guards against pid reuse). */
    boolean isAlive(long pid, String sandboxId);

    /** Ends the VM at once (no guest cooperation); waits up to {@code timeout} for it to go. */
    void kill(long pid, String sandboxId, VmSpec spec, Duration timeout);

    /**
     * The kernel command line for a guest of this backend: its console and root disk, plus the
     * guest's network and SSH key, which the image's init reads ({@code smolvm.*} parameters).
     */
    String kernelCmdline(String guestCidr, String gateway, String dns, String hostname, String authorizedKeyBase64,
                         int cpus);

    /**
     * The VMs of this backend that run from a sandbox directory under {@code sandboxesDir} (so of
     * one smolvm home), by pid, with the sandbox id: what a reaper may look at. None by default.
     */
    default Map<Long, String> vmsUnder(Path sandboxesDir) {
        return Map.of();
    }

    /**
     * Files this backend made for VMs that no process uses any more (a start killed at the wrong
     * moment): {@code prune} removes them. None by default.
     */
    default java.util.List<Path> leftoverFiles() {
        return java.util.List.of();
    }

    /** Waits for the VM process to end; true when it did within {@code timeout}. */
    default boolean waitGone(long pid, String sandboxId, Duration timeout) {
        return Poll.until(timeout, Duration.ofMillis(50), () -> !isAlive(pid, sandboxId));
    }

    /**
     * Stops the VM gracefully: {@code askGuest} (the guest channel's power-off request) and up to
     * {@code timeout} for the VM to go, then {@link #kill}. A VM that is gone already is left alone.
     */
    default void powerOff(long pid, String sandboxId, VmSpec spec, Duration timeout, Runnable askGuest) {
        if (isAlive(pid, sandboxId)) {
            askGuest.run();
            if (waitGone(pid, sandboxId, timeout)) {
                return;
            }
        }
        kill(pid, sandboxId, spec, Duration.ofSeconds(5));
    }

    /**
     * Stops ({@code paused} true) or continues the VM's vCPUs; its memory and devices stay.
     * {@code subject} names the sandbox in errors. UNAVAILABLE where the backend cannot.
     */
    default void setPaused(VmSpec spec, String subject, boolean paused) {
        throw dev.smolvm.SmolvmException.unavailable("pausing needs the qemu backend; " + subject + " runs on "
                + kind().wireName() + ".");
    }

    /**
     * Saves a running or paused VM: its memory and devices into {@code state}, its disk as it is now
     * into {@code frozenDisk} (the VM goes on with a new overlay above it), and continues it when
     * {@code resume}. Returns what a restore must match ({@code qemu_version}, {@code machine}).
     * {@code filesReady} runs once the frozen disk and the memory file are at their final paths,
     * their bytes perhaps still arriving: a restore may start its VM on them then (a fork's clone
     * does), and load the state once this returns. A backend that cannot tell earlier runs it last.
     */
    default Map<String, String> snapshot(VmSpec spec, String subject, Path state, Path frozenDisk, boolean resume,
                                         Runnable filesReady) {
        throw dev.smolvm.SmolvmException.unavailable("snapshots need the qemu backend; " + subject + " runs on "
                + kind().wireName() + ".");
    }

    /** Whether {@link #snapshot} and restores work on this backend (then a create may be a restore). */
    default boolean canSnapshot() {
        return false;
    }

    /** What {@link #snapshot} would record for a VM started now, to compare a snapshot against. */
    default Map<String, String> restoreTarget() {
        throw dev.smolvm.SmolvmException.unavailable("restoring a snapshot needs the qemu backend.");
    }
}
