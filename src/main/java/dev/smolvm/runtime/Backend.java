package dev.smolvm.runtime;

import java.time.Duration;

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

    /** Whether {@code pid} is still this sandbox's VM (guards against pid reuse). */
    boolean isAlive(long pid, String sandboxId);

    /** Ends the VM at once (no guest cooperation); waits up to {@code timeout} for it to go. */
    void kill(long pid, String sandboxId, VmSpec spec, Duration timeout);
}
