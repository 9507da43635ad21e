package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.Channel;
import dev.smolvm.guest.GuestCommand;
import dev.smolvm.guest.ShellMode;
import dev.smolvm.store.SandboxRecord;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.Supplier;

/** One command in a running guest over its {@link Channel}, with the host keeping the time limit. */
final class GuestExec {
    private GuestExec() {
    }

    /** {@code now} re-reads the sandbox (reconciled) when the channel went away mid-command. */
    static ExecResult run(SandboxRecord r, Channel channel, ExecRequest req, InputStream stdin, OutputStream stdout,
                          OutputStream stderr, Supplier<SandboxRecord> now) {
        String tag = SandboxNames.newId().substring(3) + Long.toHexString(System.nanoTime() & 0xffffff);
        String remote = req.shell() == ShellMode.LOGIN
                ? GuestCommand.login(req.loginScript(), req.cwd(), req.env(), tag)
                : GuestCommand.raw(req.rawArgv(), req.cwd(), req.env(), tag);
        long started = System.nanoTime();
        Channel.Outcome outcome = channel.exec(remote, Duration.ofSeconds(req.timeoutSeconds()), stdin, stdout,
                stderr, () -> channel.run(GuestCommand.kill(tag), Duration.ofSeconds(10)));
        if (outcome.exitCode() == 255 && !outcome.timedOut() && !channel.alive()) {
            SandboxRecord after = now.get();
            if (!after.status().hasVm()) {
                throw new SmolvmException(ErrorCode.NOT_RUNNING, "sandbox '" + r.name() + "' stopped while the "
                        + "command ran (" + after.lastError() + ").");
            }
            throw SmolvmException.unavailable("could not reach sandbox '" + r.name() + "' over SSH at "
                    + r.guestIp()).hint("see 'smolvm sandbox info " + r.name() + "' and 'smolvm sandbox logs "
                    + r.name() + "'", "GET /sandboxes/" + r.id() + " shows its state");
        }
        return new ExecResult(outcome.exitCode(), outcome.timedOut(), (System.nanoTime() - started) / 1_000_000);
    }
}
