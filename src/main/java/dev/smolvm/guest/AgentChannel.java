package dev.smolvm.guest;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.guest.agent.AgentClient;
import dev.smolvm.guest.agent.AgentException;
import dev.smolvm.guest.agent.ExecOutcome;
import dev.smolvm.guest.agent.ExecSpec;
import dev.smolvm.guest.agent.RunningExec;
import dev.smolvm.host.Poll;
import dev.smolvm.host.Trace;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Runs commands in a guest through its smolvm agent (virtio-serial, via the sandbox's
 * {@link AgentMux}): no SSH handshake, no sshd needed. One instance per smolvm process and sandbox.
 */
public final class AgentChannel implements Channel {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** What sshd would give a root session; the agent itself runs with init's bare environment. */
    private static final Map<String, String> LOGIN_ENV = Map.of("HOME", "/root", "USER", "root", "LOGNAME", "root",
            "SHELL", "/bin/sh", "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    private final Path sandboxDir;
    private final AgentMux mux;
    private final BooleanSupplier vmAlive;

    public AgentChannel(Path sandboxDir, AgentMux mux) {
        this(sandboxDir, mux, () -> true);
    }

    /** {@code vmAlive}: whether the sandbox's VM still runs (a dead one is not worth restarting the mux for). */
    public AgentChannel(Path sandboxDir, AgentMux mux, BooleanSupplier vmAlive) {
        this.sandboxDir = sandboxDir;
        this.mux = mux;
        this.vmAlive = vmAlive;
    }

    // ---- Channel ----------------------------------------------------------------------------

    /** Ready when the agent said hello through the mux (started here on the first look). */
    @Override
    public Readiness readiness() {
        Path socket = AgentMux.socketIn(sandboxDir);
        return Readiness.of("the guest agent's hello", () -> {
            if (!AgentMux.running(sandboxDir)) {
                mux.start(sandboxDir);
            }
            if (!Files.exists(socket)) {
                return false;
            }
            try (AgentClient c = AgentClient.connect(socket, Duration.ofMillis(500))) {
                Trace.mark("boot: agent said hello");
                return true;
            } catch (AgentException e) {
                return false; // not up yet: look again
            }
        });
    }

    /** Nothing to hold open: every use connects to the mux, which holds the channel itself. */
    @Override
    public void open(Poll.Deadline deadline, BooleanSupplier alive, String subject) {
    }

    /** Runs an SSH-style remote command string as a script (the agent path proper is {@link #exec(AgentClient, ...)}). */
    @Override
    public Channel.Outcome exec(String remoteCommand, Duration limit, InputStream stdin, OutputStream stdout,
                                OutputStream stderr, Runnable onTimeout) {
        try (AgentClient c = connect(vmAlive)) {
            Outcome o = exec(c, remoteCommand, null, null, Map.of(), limit, stdin, stdout, stderr);
            return new Channel.Outcome(o.exitCode(), o.timedOut());
        }
    }

    @Override
    public boolean run(String remoteCommand, Duration timeout) {
        try (AgentClient c = connect(vmAlive)) {
            return exec(c, remoteCommand, null, null, Map.of(), timeout, null, null, null).exitCode() == 0;
        } catch (SmolvmException e) {
            return false;
        }
    }

    /** busybox poweroff, in its own session: the mux ends what a leaving client started, but not this. */
    @Override
    public void requestPowerOff() {
        run("/usr/lib/smolvm/busybox setsid /usr/lib/smolvm/busybox poweroff >/dev/null 2>&1 &", Duration.ofSeconds(5));
    }

    @Override
    public boolean alive() {
        return AgentMux.running(sandboxDir);
    }

    @Override
    public void close() {
        AgentMux.stop(sandboxDir);
    }

    // ---- the agent path ---------------------------------------------------------------------

    /** A client of the agent; a mux that is gone (the host restarted, it crashed) is started again. */
    public AgentClient connect(BooleanSupplier vmAlive) {
        Path socket = AgentMux.socketIn(sandboxDir);
        try {
            return AgentClient.connect(socket, CONNECT_TIMEOUT);
        } catch (AgentException first) {
            if (AgentMux.running(sandboxDir) || !vmAlive.getAsBoolean()) {
                throw first;
            }
            mux.start(sandboxDir);
            for (int i = 0; i < 200 && !Files.exists(socket); i++) {
                sleep(10);
            }
            return AgentClient.connect(socket, CONNECT_TIMEOUT);
        }
    }

    /** How a command ended: its exit status (128+N for a signal), or that the time limit ended it. */
    public record Outcome(int exitCode, boolean timedOut) {
    }


    /**
     * Runs {@code loginScript} through the guest's login shell, or (when it is null) execs
     * {@code argv}; in {@code cwd} (null: the home directory) with {@code env}. Output is streamed
     * as it is produced; past {@code limit} the process group is killed and the exit status is 124.
     */
    public Outcome exec(AgentClient client, String loginScript, List<String> argv, String cwd, Map<String, String> env,
                        Duration limit, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        return exec(client, loginScript, argv, cwd, env, Defaults.NONE, limit, stdin, stdout, stderr);
    }

    /** What the image says a command gets when the request does not say: variables, a directory, a user. */
    public record Defaults(Map<String, String> env, String workingDir, String user) {
        public static final Defaults NONE = new Defaults(Map.of(), null, null);

        public Defaults {
            // root is who the agent runs commands as anyway, and it needs no passwd entry (Docker's default too)
            user = user == null || user.isBlank() || List.of("root", "0", "0:0", "root:root").contains(user) ? null : user;
        }
    }

    /** The image's user, or a sentence when the agent in it cannot run commands as another user. */
    public static String userFor(AgentClient client, Defaults defaults) {
        if (defaults.user() != null && !client.hello().can("exec.user")) {
            throw dev.smolvm.SmolvmException.unavailable("the image says commands run as user '" + defaults.user()
                    + "', but its guest agent is older than running them as another user; pull or import the image "
                    + "again to update it.");
        }
        return defaults.user();
    }

    public Outcome exec(AgentClient client, String loginScript, List<String> argv, String cwd, Map<String, String> env,
                        Defaults defaults, Duration limit, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        return exec(client, loginScript, argv, cwd, env, defaults, limit, stdin, stdout, stderr, running -> { });
    }

    /** As above; {@code started} gets the running command (to signal it, e.g. on Ctrl-C). */
    public Outcome exec(AgentClient client, String loginScript, List<String> argv, String cwd, Map<String, String> env,
                        Defaults defaults, Duration limit, InputStream stdin, OutputStream stdout, OutputStream stderr,
                        java.util.function.Consumer<RunningExec> started) {
        Map<String, String> vars = new java.util.LinkedHashMap<>(LOGIN_ENV);
        String user = userFor(client, defaults);
        if (user != null) {
            vars.keySet().removeAll(List.of("HOME", "USER", "LOGNAME")); // the agent sets the user's own
        }
        vars.putAll(defaults.env());
        vars.putAll(env);
        String dir = defaults.workingDir() == null || defaults.workingDir().equals("/") ? null : defaults.workingDir();
        // Without --cwd a login script starts in the image's working directory or else the home
        // directory, as an SSH session would.
        String start = dir == null ? "cd ~ 2>/dev/null; " : "cd " + ShellWords.quote(dir) + " 2>/dev/null || cd ~ 2>/dev/null; ";
        ExecSpec spec = (loginScript != null
                ? ExecSpec.script(cwd == null ? start + loginScript : loginScript)
                : ExecSpec.argv(argv)).withCwd(cwd != null || loginScript != null ? cwd : dir).withEnv(vars)
                .withUser(user);
        RunningExec running;
        try {
            running = startIn(client, spec, cwd == null && loginScript == null && dir != null, stdin, stdout, stderr);
        } catch (AgentException e) {
            if (cwd != null && List.of("ENOENT", "ENOTDIR", "EACCES").contains(e.agentCode())) {
                write(stderr, "smolvm: cannot change to directory " + cwd + ": no such directory or not allowed\n");
                return new Outcome(GuestCommand.CANNOT_RUN, false);
            }
            throw e;
        }
        started.accept(running);
        ExecOutcome o = running.await(limit);
        return new Outcome(o.exitCode(), o.timedOut());
    }

    /** An image's working directory that does not exist is not an error (Docker would make it): home it is. */
    private static RunningExec startIn(AgentClient client, ExecSpec spec, boolean dirIsOnlyADefault, InputStream stdin,
                                       OutputStream stdout, OutputStream stderr) {
        try {
            return client.start(spec, stdin, stdout, stderr);
        } catch (AgentException e) {
            if (!dirIsOnlyADefault || !List.of("ENOENT", "ENOTDIR").contains(e.agentCode())) {
                throw e;
            }
            return client.start(spec.withCwd(null), stdin, stdout, stderr);
        }
    }

    /** Runs a short housekeeping script and returns its output (stdout then stderr). */
    public String run(AgentClient client, String script, Duration limit) {
        var out = new ByteArrayOutputStream();
        Outcome o = exec(client, script, null, null, Map.of(), limit, null, out, out);
        if (o.exitCode() != 0) {
            throw SmolvmException.internal("the guest could not run '" + script + "' (exit " + o.exitCode() + "): "
                    + out.toString(StandardCharsets.UTF_8).strip());
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void write(OutputStream out, String s) {
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (java.io.IOException ignored) {
            // the caller's stream is gone
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
