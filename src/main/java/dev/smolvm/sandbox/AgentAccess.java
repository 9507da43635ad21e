package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.Home;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.AgentChannel;
import dev.smolvm.guest.AgentMux;
import dev.smolvm.guest.ShellMode;
import dev.smolvm.guest.SshTarget;
import dev.smolvm.guest.agent.AgentClient;
import dev.smolvm.guest.agent.AgentException;
import dev.smolvm.host.Poll;
import dev.smolvm.image.GuestImage;
import dev.smolvm.image.oci.ImageConfig;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What a sandbox reached through its guest agent offers beyond the {@link dev.smolvm.guest.Channel}
 * every sandbox has: exec with the image's defaults and live signals, a client for files, an
 * interactive shell, and sshd started on first need.
 */
final class AgentAccess {
    private final Home home;
    private final Adapters adapters;

    AgentAccess(Home home, Adapters adapters) {
        this.home = home;
        this.adapters = adapters;
    }

    boolean reaches(SandboxRecord r) {
        return AgentMux.usedBy(home.sandboxDir(r.id()));
    }

    private AgentChannel channel(SandboxRecord r) {
        return (AgentChannel) adapters.channel(r);
    }

    /** A connected client (close it when done), or UNAVAILABLE for a sandbox of an image without the agent. */
    AgentClient client(SandboxRecord r) {
        if (!reaches(r)) {
            throw SmolvmException.unavailable("sandbox '" + r.name() + "' runs an image without the smolvm guest "
                    + "agent (built before it), so it has no file or shell channel; rebuild the image with "
                    + "'smolvm image build --force' and create the sandbox again");
        }
        return channel(r).connect(() -> adapters.backend(r).isAlive(r.pid(), r.id()));
    }

    /**
     * Asks a running sandbox's guest to write its dirty pages to disk, before a snapshot: otherwise
     * every restore writes back what its source had not (a restored QEMU translating the guest's
     * writeback and journal paths afresh: ~2.7 MB more of its memory per restore, measured). Best
     * effort, since the snapshot is whole either way: an agent without {@code sync}, or one that does
     * not answer, is left as it is (and the save then says what is wrong with the guest, if anything).
     */
    void sync(SandboxRecord r) {
        if (r.status() != SandboxStatus.RUNNING || !reaches(r) || unresponsive(r).isPresent()) {
            return; // a silent agent would hold the snapshot for the request's whole time limit
        }
        try (AgentClient c = client(r)) {
            if (c.hello().can("sync")) {
                long t0 = System.nanoTime();
                c.sync();
                dev.smolvm.host.Trace.mark("snapshot: guest synced (" + (System.nanoTime() - t0) / 1_000_000 + " ms)");
            }
        } catch (SmolvmException e) { // AgentException among them
            dev.smolvm.host.Trace.mark("snapshot: guest not synced: " + e.getMessage());
        }
    }

    /**
     * Why a running sandbox's agent counts as not answering (silent past {@link AgentMux#SILENCE_LIMIT}
     * though its mux pings it), with the end of the console; empty when it answers or cannot be told.
     */
    java.util.Optional<String> unresponsive(SandboxRecord r) {
        if (r.status() != SandboxStatus.RUNNING || !reaches(r)) {
            return java.util.Optional.empty();
        }
        Path dir = home.sandboxDir(r.id());
        return AgentMux.silence(dir).filter(d -> d.compareTo(AgentMux.SILENCE_LIMIT) > 0).map(d -> {
            var tail = ConsoleLogs.tail(dev.smolvm.runtime.VmSpec.consoleLogIn(dir), 3);
            return "the guest agent of sandbox '" + r.name() + "' has not answered for " + d.toSeconds() + " s (it is "
                    + "hung or gone); restart the sandbox with 'smolvm sandbox stop " + r.name() + "' and 'smolvm sandbox "
                    + "start " + r.name() + "'" + (tail.isEmpty() ? "" : "; the console ends with: " + String.join(" | ", tail));
        });
    }

    ExecResult exec(SandboxRecord r, ExecRequest req, InputStream stdin, OutputStream stdout, OutputStream stderr,
                    ExecSignals signals, Supplier<SandboxRecord> now) {
        var silent = unresponsive(r);
        if (silent.isPresent()) {
            throw SmolvmException.unavailable(silent.get() + ".");
        }
        AgentChannel channel = channel(r);
        long started = System.nanoTime();
        try (AgentClient client = client(r)) {
            signals.starting();
            AgentChannel.Outcome o = channel.exec(client, req.shell() == ShellMode.LOGIN ? req.loginScript() : null,
                    req.rawArgv(), req.cwd(), req.env(), defaults(r), Duration.ofSeconds(req.timeoutSeconds()),
                    stdin, stdout, stderr, running -> signals.attach(running::signal));
            return new ExecResult(o.exitCode(), o.timedOut(), (System.nanoTime() - started) / 1_000_000);
        } catch (AgentException e) {
            if (!"ECHANNEL".equals(e.agentCode())) {
                throw e;
            }
            SandboxRecord after = now.get();
            if (!after.status().hasVm()) {
                throw new SmolvmException(ErrorCode.NOT_RUNNING, "sandbox '" + r.name() + "' stopped while the "
                        + "command ran (" + after.lastError() + ").");
            }
            throw SmolvmException.unavailable("could not reach the guest agent of sandbox '" + r.name() + "': "
                    + e.getMessage()).hint("see 'smolvm sandbox info " + r.name() + "' and 'smolvm sandbox logs "
                    + r.name() + "'", "GET /sandboxes/" + r.id() + " shows its state");
        }
    }

    ShellSession shell(SandboxRecord r, int rows, int cols, InputStream keys, OutputStream screen) {
        AgentClient client = client(r);
        try {
            var defaults = defaults(r);
            return new ShellSession(client, defaults.env(), AgentChannel.userFor(client, defaults), rows, cols, keys,
                    screen);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** The image's Env, WorkingDir and User (pulled images record them), as defaults for every exec and shell. */
    private static AgentChannel.Defaults defaults(SandboxRecord r) {
        if (r.image() == null || !r.image().startsWith("/")) {
            return AgentChannel.Defaults.NONE; // a named image (the Debian one) has no such config
        }
        var config = ImageConfig.fromJson(new GuestImage(r.image(), Path.of(r.image())).info().path("config"));
        return new AgentChannel.Defaults(config.envMap(), config.workingDir(), config.user());
    }

    /**
     * sshd is not on an agent image's boot path: the agent starts it the first time SSH is wanted
     * ('sandbox ssh', an ssh tunnel), and the host waits for its port. An image without sshd says so.
     */
    void startSshd(SandboxRecord r, SshTarget target) {
        if (!Files.exists(home.sandboxDir(r.id()).resolve("known_hosts"))) {
            throw SmolvmException.unavailable("sandbox '" + r.name() + "' runs an image without sshd, so it "
                    + "cannot be reached over SSH").hint("use 'smolvm sandbox exec " + r.name() + " -- sh' or "
                    + "'smolvm sandbox shell " + r.name() + "' instead", "use POST /sandboxes/" + r.id() + "/exec instead");
        }
        try (AgentClient client = client(r)) {
            channel(r).run(client, "[ -s /run/sshd.pid ] && kill -0 \"$(cat /run/sshd.pid)\" 2>/dev/null || /usr/sbin/sshd -r",
                    Duration.ofSeconds(30));
        }
        boolean up = Poll.until(Poll.Deadline.in(Duration.ofSeconds(20)), Duration.ofMillis(20), () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(target.host(), target.port()), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        if (!up) {
            throw SmolvmException.unavailable("sshd in sandbox '" + r.name() + "' did not start listening on port "
                    + target.port() + " within 20 s").hint("see 'smolvm sandbox logs " + r.name() + "'", null);
        }
    }
}
