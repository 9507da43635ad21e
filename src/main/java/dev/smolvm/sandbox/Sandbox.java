package dev.smolvm.sandbox;

import dev.smolvm.WireName;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStatus;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a caller sees of a sandbox, the one sandbox DTO both doors render. Immutable. {@code os} is
 * null for an image given by reference or path (shown as {@value GuestOs#CUSTOM}); {@code networkMode}
 * is null until a boot has chosen one.
 */
public record Sandbox(
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
        NetworkMode networkMode,
        String guestIp,
        String hostIp,
        String tap,
        Integer sshPort,
        EgressPolicy.Mode egress,
        List<String> allowedCidrs,
        Long pid,
        Instant createdAt,
        Instant startedAt,
        String lastError,
        String channel) {

    static Sandbox of(SandboxRecord r) {
        return of(r, null);
    }

    /** {@code channel}: how the host reaches the guest, "agent" (virtio-serial) or "ssh" (older images). */
    static Sandbox of(SandboxRecord r, String channel) {
        return new Sandbox(r.id(), r.name(), r.status(), r.os(), r.image(), r.backend(),
                r.accel(), r.memoryMib(), r.diskMib(), r.cpus(), r.netMode(), r.guestIp(), r.hostIp(), r.tap(),
                r.sshPort(), r.egress(), r.allowedCidrs(), r.pid(), r.createdAt(), r.startedAt(), r.lastError(),
                channel);
    }

    public boolean running() {
        return status == SandboxStatus.RUNNING;
    }

    /** Running or paused: its VM, address, TAP and port forwards exist (a paused guest only stands still). */
    public boolean up() {
        return status == SandboxStatus.RUNNING || status == SandboxStatus.PAUSED;
    }

    /** The JSON shape both doors use (snake_case, sizes in MiB as in the HTTP API). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("name", name);
        m.put("status", status.wireName());
        m.put("os", GuestOs.wireNameOrCustom(os));
        m.put("image", image);
        m.put("backend", backend.wireName());
        m.put("accel", accel);
        m.put("memory", memoryMib);
        m.put("disk_size", diskMib);
        m.put("cpus", cpus);
        Map<String, Object> net = new LinkedHashMap<>();
        net.put("mode", WireName.nameOrNull(networkMode));
        net.put("guest_ip", guestIp);
        net.put("host_ip", hostIp);
        net.put("tap", tap);
        net.put("ssh_port", sshPort);
        net.put("policy", egress.wireName());
        net.put("allowed_cidrs", allowedCidrs);
        m.put("network", net);
        m.put("pid", pid);
        m.put("created_at", createdAt == null ? null : createdAt.toString());
        m.put("started_at", startedAt == null ? null : startedAt.toString());
        m.put("last_error", lastError);
        m.put("channel", channel);
        return m;
    }
}
