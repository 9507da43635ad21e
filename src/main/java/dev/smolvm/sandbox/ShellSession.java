package dev.smolvm.sandbox;

import dev.smolvm.guest.agent.AgentClient;
import dev.smolvm.guest.agent.ExecOutcome;
import dev.smolvm.guest.agent.ExecSpec;
import dev.smolvm.guest.agent.RunningExec;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * An interactive login shell in a guest, on a pseudo-terminal the guest agent opens: no sshd
 * involved. Keystrokes go in as they are typed (Ctrl-C is the terminal's byte, so the guest's pty
 * turns it into SIGINT for the foreground job), output comes back as produced, and the window size
 * follows the host terminal's.
 */
public final class ShellSession implements AutoCloseable {
    /** bash when the image has it (with its profile), else the POSIX shell. */
    static final String LOGIN_SHELL = "cd ~ 2>/dev/null; if [ -x /bin/bash ]; then exec /bin/bash -l; else exec /bin/sh -l; fi";

    private final AgentClient client;
    private final RunningExec exec;

    ShellSession(AgentClient client, Map<String, String> env, String user, int rows, int cols, InputStream keys,
                 OutputStream screen) {
        this.client = client;
        Map<String, String> vars = new java.util.LinkedHashMap<>(env);
        vars.putIfAbsent("TERM", "xterm-256color");
        if (user == null) {
            vars.putIfAbsent("HOME", "/root"); // else the agent sets the user's own
        }
        vars.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        this.exec = client.start(ExecSpec.script(LOGIN_SHELL).withEnv(vars).withUser(user).withPty(rows, cols), keys, screen, screen);
    }

    /** The host terminal changed size. */
    public void resize(int rows, int cols) {
        exec.resize(rows, cols);
    }

    /** Waits for the shell to end; its exit status. */
    public int await() {
        ExecOutcome o = exec.await(null);
        return o.exitCode();
    }

    @Override
    public void close() {
        client.close();
    }
}
