package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;

import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.runtime.BackendKind;

import java.time.Duration;
import java.util.List;

/**
 * What to create. Every field may be null for "the default"; {@link #validated()} checks ranges
 * for every door alike.
 */
public record CreateRequest(String name, GuestOs os, String image, Integer memoryMib, Integer diskMib,
                            BackendKind backend, Integer cpus, Duration bootTimeout,
                            EgressPolicy.Mode network, List<String> allowedCidrs, boolean cold) {
    public static final int DEFAULT_MEMORY_MIB = 512;
    public static final int MIN_MEMORY_MIB = 128;
    public static final int MAX_MEMORY_MIB = 256 * 1024;
    public static final int MAX_DISK_MIB = 1024 * 1024;
    public static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofSeconds(120);

    public CreateRequest(String name, GuestOs os, String image, Integer memoryMib, Integer diskMib, BackendKind backend,
                         Integer cpus, Duration bootTimeout) {
        this(name, os, image, memoryMib, diskMib, backend, cpus, bootTimeout, null, null, false);
    }

    public static CreateRequest defaults() {
        return new CreateRequest(null, null, null, null, null, null, null, null);
    }

    public CreateRequest withName(String newName) {
        return new CreateRequest(newName, os, image, memoryMib, diskMib, backend, cpus, bootTimeout, network, allowedCidrs,
                cold);
    }

    /**
     * {@code cold}: boot, even where a boot snapshot of this image and size would let the sandbox be
     * made by restore (and save none).
     */
    public CreateRequest withCold(boolean newCold) {
        return new CreateRequest(name, os, image, memoryMib, diskMib, backend, cpus, bootTimeout, network, allowedCidrs,
                newCold);
    }

    /** The egress policy: {@code open} (default), {@code off} or {@code restricted}, and the allowed CIDRs. */
    public CreateRequest withNetwork(EgressPolicy.Mode mode, List<String> allowed) {
        return new CreateRequest(name, os, image, memoryMib, diskMib, backend, cpus, bootTimeout, mode, allowed, cold);
    }

    /** The egress policy asked for; an invalid-input error names what is wrong with it. */
    public EgressPolicy egressPolicy() {
        return EgressPolicy.of(network, allowedCidrs);
    }

    public CreateRequest validated() {
        if (name != null) {
            SandboxNames.validate(name);
        }
        if (memoryMib != null && (memoryMib < MIN_MEMORY_MIB || memoryMib > MAX_MEMORY_MIB)) {
            throw SmolvmException.invalid("memory must be between " + MIN_MEMORY_MIB + " and " + MAX_MEMORY_MIB
                    + " MiB, got " + memoryMib + ".");
        }
        if (diskMib != null && (diskMib < 1 || diskMib > MAX_DISK_MIB)) {
            throw SmolvmException.invalid("disk size must be between 1 and " + MAX_DISK_MIB + " MiB, got " + diskMib + ".");
        }
        if (cpus != null && (cpus < 1 || cpus > 64)) {
            throw SmolvmException.invalid("cpus must be between 1 and 64, got " + cpus + ".");
        }
        if (bootTimeout != null && (bootTimeout.isNegative() || bootTimeout.isZero())) {
            throw SmolvmException.invalid("boot timeout must be a positive number of seconds.");
        }
        if (image != null && image.isBlank()) {
            throw SmolvmException.invalid("image must not be empty.");
        }
        egressPolicy();
        return this;
    }
}
