package dev.smolvm.store;

import java.time.Instant;
import java.util.List;

/**
 * One row of the {@code sandboxes} table: what smolvm knows about a sandbox. Immutable;
 * state changes produce a new record that the {@link SandboxStore} writes back.
 */
public record SandboxRecord(
        String id,
        String name,
        String status,
        String os,
        String image,
        String backend,
        String accel,
        int memoryMib,
        int diskMib,
        int cpus,
        String netMode,
        Integer leaseIndex,
        String tap,
        String guestIp,
        String hostIp,
        Integer sshPort,
        Long pid,
        Instant createdAt,
        Instant startedAt,
        String lastError,
        String egress,
        List<String> allowedCidrs) {

    public SandboxRecord {
        allowedCidrs = allowedCidrs == null ? List.of() : List.copyOf(allowedCidrs);
    }

    public SandboxRecord withStatus(String newStatus, String error) {
        return new SandboxRecord(id, name, newStatus, os, image, backend, accel, memoryMib, diskMib, cpus,
                netMode, leaseIndex, tap, guestIp, hostIp, sshPort, pid, createdAt, startedAt, error, egress, allowedCidrs);
    }

    public SandboxRecord withRuntime(String newAccel, String newNetMode, String newTap, String newGuestIp,
                                     String newHostIp, Integer newSshPort, Long newPid, Instant newStartedAt) {
        return new SandboxRecord(id, name, status, os, image, backend, newAccel, memoryMib, diskMib, cpus,
                newNetMode, leaseIndex, newTap, newGuestIp, newHostIp, newSshPort, newPid, createdAt,
                newStartedAt, lastError, egress, allowedCidrs);
    }

    public SandboxRecord withLease(Integer newLeaseIndex) {
        return new SandboxRecord(id, name, status, os, image, backend, accel, memoryMib, diskMib, cpus,
                netMode, newLeaseIndex, tap, guestIp, hostIp, sshPort, pid, createdAt, startedAt, lastError, egress,
                allowedCidrs);
    }
}
