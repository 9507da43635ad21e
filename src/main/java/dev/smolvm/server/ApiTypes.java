package dev.smolvm.server;

import io.javalin.openapi.OpenApiDescription;
import io.javalin.openapi.OpenApiExample;
import io.javalin.openapi.OpenApiNullable;
import io.javalin.openapi.OpenApiRequired;

import java.util.List;
import java.util.Map;

/**
 * The HTTP API's wire types. Component names are the JSON field names (hence snake_case), and
 * enum constants are the wire values, so the OpenAPI document generated from these types says
 * exactly what goes over the wire.
 */
public final class ApiTypes {
    private ApiTypes() {
    }

    public enum Os { alpine, ubuntu, windows, debian }

    public enum Backend { firecracker, qemu, libkrun }

    public enum Status { creating, starting, running, paused, stopped, error }

    public enum Shell { login, raw }

    public enum Protocol { tcp, udp }

    public enum Transport { nftables, ssh_tunnel }

    public enum NetworkPolicy { open, off, restricted }

    @OpenApiDescription("Egress policy. open: anywhere except the host's own networks and 169.254.0.0/16 unless "
            + "listed; off: no egress; restricted: only allowed_cidrs and the DNS resolver.")
    public record NetworkRequest(
            @OpenApiRequired @OpenApiDescription("open, off or restricted.") NetworkPolicy mode,
            @OpenApiDescription("IPv4 CIDRs the sandbox may reach; required (non-empty) for restricted.") List<String> allowed_cidrs) {
    }

    @OpenApiDescription("Create, boot and register a sandbox. Every field is optional.")
    public record CreateSandboxRequest(
            @OpenApiDescription("Guest operating system. Omit it for the default Linux (Debian) sandbox.") Os os,
            @OpenApiDescription("Image name from 'smolvm image list', or an image directory / file:// URI.") String image,
            @OpenApiDescription("Guest memory in MiB (default 512).") Integer memory,
            @OpenApiDescription("Guest disk size in MiB (default 2048).") Integer disk_size,
            @OpenApiDescription("Virtual CPUs, at most the host's cores (default 1).") Integer cpus,
            @OpenApiDescription("Runtime backend override (default qemu).") Backend backend,
            @OpenApiDescription("Sandbox name (default: its generated id).") String name,
            @OpenApiDescription("Egress policy (default: open).") NetworkRequest network,
            @OpenApiDescription("Boot the guest even when a boot snapshot of this image and size exists "
                    + "(default false: the sandbox is made by restoring it, which is faster).") Boolean cold) {
    }

    public record CreatedSandbox(
            @OpenApiRequired @OpenApiExample("vm-a1b2c3d4") String id,
            @OpenApiRequired Status status) {
    }

    public record NetworkInfo(
            @OpenApiRequired @OpenApiDescription("tap or user") String mode,
            @OpenApiNullable String guest_ip,
            @OpenApiNullable String host_ip,
            @OpenApiNullable String tap,
            @OpenApiNullable Integer ssh_port,
            @OpenApiRequired @OpenApiDescription("Egress policy: open, off or restricted") NetworkPolicy policy,
            @OpenApiRequired List<String> allowed_cidrs) {
    }

    public record SandboxInfo(
            @OpenApiRequired String id,
            @OpenApiRequired String name,
            @OpenApiRequired Status status,
            @OpenApiRequired String os,
            @OpenApiRequired String image,
            @OpenApiRequired String backend,
            @OpenApiNullable String accel,
            @OpenApiRequired int memory,
            @OpenApiRequired int disk_size,
            @OpenApiRequired int cpus,
            @OpenApiRequired NetworkInfo network,
            @OpenApiNullable Long pid,
            @OpenApiRequired String created_at,
            @OpenApiNullable String started_at,
            @OpenApiNullable String last_error,
            @OpenApiRequired @OpenApiDescription("How the host reaches the guest: agent (virtio-serial) or ssh (images "
                    + "built before the agent)") String channel) {
    }

    @OpenApiDescription("A command to run inside a sandbox.")
    public record ExecRequest(
            @OpenApiRequired @OpenApiDescription("Command to run inside the sandbox: a shell script for login mode, "
                    + "or words split like a shell would for raw mode.") @OpenApiExample("uname -a") String command,
            @OpenApiDescription("Maximum seconds to wait for the command (default 30).") Integer timeout,
            @OpenApiDescription("login: the guest login shell; raw: the words as argv, no shell (default login).") Shell shell,
            @OpenApiDescription("Absolute guest directory to run in (default: the user's home).") @OpenApiExample("/tmp") String cwd,
            @OpenApiDescription("Environment variables for this command, set after the login files.") Map<String, String> env) {
    }

    public record ExecResponse(
            @OpenApiRequired int exit_code,
            @OpenApiRequired String stdout,
            @OpenApiRequired String stderr,
            @OpenApiRequired @OpenApiDescription("True when the timeout ended the command (exit_code 124).") boolean timed_out,
            @OpenApiRequired @OpenApiDescription("Wall time of the command in milliseconds, as measured by the server.") long duration_ms,
            @OpenApiRequired @OpenApiDescription("True when stdout or stderr passed 8 MiB and the rest was dropped.") boolean truncated) {
    }

    public record ErrorDetail(
            @OpenApiRequired @OpenApiDescription("invalid_input, not_found, not_running, conflict, unavailable, timeout, unauthorized, internal")
            String code,
            @OpenApiRequired String message) {
    }

    @OpenApiDescription("Every error: 'detail' is one readable sentence (the original SmolVM's FastAPI shape); "
            + "'error' carries the same sentence with a machine-readable code, also sent as the X-SmolVM-Error-Code header.")
    public record ErrorResponse(
            @OpenApiRequired @OpenApiDescription("What was wrong and what to do, as one sentence.") String detail,
            @OpenApiRequired ErrorDetail error) {
    }

    @OpenApiDescription("A port forward to create: host_port omitted means any free port.")
    public record PortForwardRequest(
            @OpenApiDescription("Host port on 127.0.0.1; omit to pick a free one.") Integer host_port,
            @OpenApiRequired @OpenApiDescription("Port inside the sandbox.") Integer guest_port,
            @OpenApiDescription("tcp (default) or udp.") Protocol protocol) {
    }

    public record PortForwardInfo(
            @OpenApiRequired String sandbox,
            @OpenApiRequired int guest_port,
            @OpenApiRequired int host_port,
            @OpenApiRequired String mapping,
            @OpenApiRequired Protocol protocol,
            @OpenApiRequired Transport transport) {
    }

    public record PortForwardList(@OpenApiRequired String sandbox, @OpenApiRequired List<PortForwardInfo> forwards) {
    }

    @OpenApiDescription("Environment variables kept for a sandbox, by name.")
    public record SandboxEnv(@OpenApiRequired Map<String, String> env) {
    }

    public record Health(@OpenApiRequired String status, @OpenApiRequired String version) {
    }

    /** An optional name for what a request makes (a snapshot, a restored sandbox). */
    public record NameBody(@OpenApiNullable String name) {
    }

    public record SnapshotInfo(
            @OpenApiRequired String name,
            @OpenApiRequired @OpenApiDescription("The sandbox it was taken of") String source,
            @OpenApiRequired String created_at,
            @OpenApiRequired int memory,
            @OpenApiRequired int cpus,
            @OpenApiRequired int disk_size,
            @OpenApiRequired @OpenApiDescription("Bytes of saved memory and device state") long state_bytes,
            @OpenApiRequired @OpenApiDescription("How long saving took") long took_ms) {
    }

    @OpenApiDescription("What to prune. Every field is optional.")
    public record PruneRequest(
            @OpenApiDescription("Only list what would be removed (default false).") Boolean dry_run) {
    }

    public record PruneItem(
            @OpenApiRequired @OpenApiDescription("vm, ssh-master, agent-mux, tap, egress-chain, directory, forwards, "
                    + "image-leftover or snapshot-leftover") String kind,
            @OpenApiRequired @OpenApiDescription("What it is on the host: a pid, a device, a path") String name,
            @OpenApiRequired @OpenApiDescription("Why no sandbox owns it") String why) {
    }

    @OpenApiDescription("What a prune found: 'removed', or on a dry run 'would_remove' (never both), and what it left alone.")
    public record PruneResult(
            @OpenApiRequired boolean dry_run,
            @OpenApiDescription("What was removed (not on a dry run)") List<PruneItem> removed,
            @OpenApiDescription("What would be removed (only on a dry run)") List<PruneItem> would_remove,
            @OpenApiRequired @OpenApiDescription("What was left alone and why, and other remarks") List<String> notes) {
    }

    public record ForkRequest(
            @OpenApiNullable @OpenApiDescription("Name of the clone; with count > 1, NAME-1, NAME-2, …") String name,
            @OpenApiNullable @OpenApiDescription("How many clones, 1 to 16 (default 1)") Integer count) {
    }
}
