package dev.smolvm.store;

import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.BackendKind;

import java.time.Instant;
import java.util.List;

/**
 * One row of the {@code sandboxes} table: what smolvm knows about a sandbox. Immutable;
 * state changes produce a new record that the {@link SandboxStore} writes back. The kinds are typed;
 * their wire names are only written and read by the store. {@code os} is null for a sandbox made
 * from an image given by reference or path (its OS is not known; stored and shown as
 * {@value GuestOs#CUSTOM}); {@code netMode} is null until a boot has chosen one.
 */
public record SandboxRecord(
        String id,
        String name,
        SandboxStatus status,
        GuestOs os,
        String image,
        BackendKind backend,
        String accel,
        int memoryMib,
        int diskMib,
        int cpus,
        NetworkMode netMode,
        Integer leaseIndex,
        String tap,
        String guestIp,
        String hostIp,
        Integer sshPort,
        Long pid,
        Instant createdAt,
        Instant startedAt,
        String lastError,
        EgressPolicy.Mode egress,
        List<String> allowedCidrs) {

    public SandboxRecord {
        java.util.Objects.requireNonNull(status, "status");
        java.util.Objects.requireNonNull(backend, "backend");
        java.util.Objects.requireNonNull(egress, "egress");
        allowedCidrs = allowedCidrs == null ? List.of() : List.copyOf(allowedCidrs);
    }

    public SandboxRecord withStatus(SandboxStatus newStatus, String error) {
        return new SandboxRecord(id, name, newStatus, os, image, backend, accel, memoryMib, diskMib, cpus,
                netMode, leaseIndex, tap, guestIp, hostIp, sshPort, pid, createdAt, startedAt, error, egress, allowedCidrs);
    }

    public SandboxRecord withRuntime(String newAccel, NetworkMode newNetMode, String newTap, String newGuestIp,
                                     String newHostIp, Integer newSshPort, Long newPid, Instant newStartedAt) {
        return new SandboxRecord(id, name, status, os, image, backend, newAccel, memoryMib, diskMib, cpus,
                newNetMode, leaseIndex, newTap, newGuestIp, newHostIp, newSshPort, newPid, createdAt,
                newStartedAt, lastError, egress, allowedCidrs);
    }

    /** Without a VM: no pid, TAP or SSH port; the accelerator, mode and addresses stay, as last seen. */
    public SandboxRecord withoutVm() {
        return withRuntime(accel, netMode, null, guestIp, hostIp, null, null, startedAt);
    }

    public SandboxRecord withLease(Integer newLeaseIndex) {
        return new SandboxRecord(id, name, status, os, image, backend, accel, memoryMib, diskMib, cpus,
                netMode, newLeaseIndex, tap, guestIp, hostIp, sshPort, pid, createdAt, startedAt, lastError, egress,
                allowedCidrs);
    }
}
