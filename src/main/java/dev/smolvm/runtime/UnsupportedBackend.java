package dev.smolvm.runtime;

import dev.smolvm.host.Accelerator;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;

import java.time.Duration;

/**
 * Firecracker and libkrun: the same interface, but this build cannot drive them yet. Availability
 * is still checked honestly first (binary, usable KVM), so the error says what is really missing.
 */
public final class UnsupportedBackend implements Backend {
    private final BackendKind kind;
    private final String binary;
    private final Accelerator accelerator;

    public UnsupportedBackend(BackendKind kind, String binary, Accelerator accelerator) {
        this.kind = kind;
        this.binary = binary;
        this.accelerator = accelerator;
    }

    @Override
    public BackendKind kind() {
        return kind;
    }

    @Override
    public String accelerator() {
        return "kvm";
    }

    @Override
    public void ensureAvailable() {
        boolean present = kind == BackendKind.LIBKRUN
                ? java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/x86_64-linux-gnu/libkrun.so.1"))
                || java.nio.file.Files.exists(java.nio.file.Path.of("/usr/local/lib64/libkrun.so"))
                : Cmd.onPath(binary);
        if (!accelerator.isKvm()) {
            throw SmolvmException.unavailable("the " + kind.wireName() + " backend needs a usable KVM, and this host "
                    + "has none (" + accelerator.reason() + "); use --backend qemu.");
        }
        if (!present) {
            throw SmolvmException.unavailable("the " + kind.wireName() + " backend needs " + binary
                    + ", which is not installed; use --backend qemu.");
        }
        throw SmolvmException.unavailable("the " + kind.wireName() + " backend is not implemented in this version "
                + "of smolvm; use --backend qemu.");
    }

    @Override
    public long boot(VmSpec spec) {
        ensureAvailable();
        throw new IllegalStateException("unreachable");
    }

    @Override
    public boolean isAlive(long pid, String sandboxId) {
        return false;
    }

    @Override
    public void kill(long pid, String sandboxId, VmSpec spec, Duration timeout) {
        // never booted anything
    }

    @Override
    public String kernelCmdline(String guestCidr, String gateway, String dns, String hostname,
                                String authorizedKeyBase64, int cpus) {
        ensureAvailable();
        throw new IllegalStateException("unreachable");
    }
}
