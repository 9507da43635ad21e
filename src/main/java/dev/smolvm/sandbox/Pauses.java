package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.FileLock;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStatus;

import java.util.function.Function;

/**
 * {@code sandbox pause | resume}: the VM's vCPUs are stopped and continued by its backend (QMP for QEMU). A paused
 * sandbox keeps its QEMU process, memory, TAP device, address and port forwards; only its guest
 * stands still (its clock too: a paused guest's time does not advance).
 */
public final class Pauses {
    private final Sandboxes sandboxes;

    public Pauses(Sandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    /** Pauses a running sandbox; a paused one is returned as it is. */
    public Sandbox pause(String ref) {
        return change(ref, SandboxStatus.RUNNING, SandboxStatus.PAUSED, r -> new SmolvmException(
                ErrorCode.NOT_RUNNING, "sandbox '" + r.name() + "' is not running (status: " + r.status()
                + "), so it cannot be paused"));
    }

    /** Continues a paused sandbox; a running one is returned as it is. */
    public Sandbox resume(String ref) {
        return change(ref, SandboxStatus.PAUSED, SandboxStatus.RUNNING, r -> new SmolvmException(
                ErrorCode.NOT_RUNNING, "sandbox '" + r.name() + "' is not paused (status: " + r.status() + ")")
                .hint("start it with 'smolvm sandbox start " + r.name() + "'",
                        "POST /sandboxes/" + r.id() + "/start starts it"));
    }

    /** Under the sandbox's lock: {@code from} → {@code to} through the backend; already {@code to} is a no-op. */
    private Sandbox change(String ref, SandboxStatus from, SandboxStatus to,
                           Function<SandboxRecord, SmolvmException> wrongState) {
        SandboxRecord r = sandboxes.reconciled(ref);
        try (FileLock ignored = sandboxes.lockOf(r.id())) {
            r = sandboxes.reconciled(r.id());
            SandboxStatus status = r.status();
            if (status == to) {
                return sandboxes.view(r);
            }
            if (status != from) {
                throw wrongState.apply(r);
            }
            sandboxes.backendOf(r).setPaused(sandboxes.specOf(r), "sandbox '" + r.name() + "'", to == SandboxStatus.PAUSED);
            if (to == SandboxStatus.RUNNING) {
                dev.smolvm.guest.AgentMux.heardNow(sandboxes.specOf(r).dir()); // it could not answer while paused
            }
            SandboxRecord changed = r.withStatus(to, null);
            sandboxes.save(changed);
            return sandboxes.view(changed);
        }
    }

    /** The error for an operation that needs the guest running while it is paused. */
    static SmolvmException pausedError(SandboxRecord r) {
        return new SmolvmException(ErrorCode.NOT_RUNNING, "sandbox '" + r.name() + "' is paused")
                .hint("resume it with 'smolvm sandbox resume " + r.name() + "', or pass --resume",
                        "POST /sandboxes/" + r.id() + "/resume resumes it");
    }
}
