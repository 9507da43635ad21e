package dev.smolvm.sandbox;

import java.util.function.IntConsumer;

/**
 * Signals for a command while it runs: the CLI forwards its Ctrl-C here, and the command's whole
 * process group in the guest gets it. One signal sent while the command is being started is kept
 * and delivered as it starts: output can reach the user (who then presses Ctrl-C) a moment before
 * the host has the started command in hand. Before that (a boot for {@code --start}, say) there is
 * nothing to signal, and the caller decides.
 */
public final class ExecSignals {
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    private IntConsumer sender;
    private boolean starting;
    private int pending;

    /** The command's request is going out: from now on a signal is kept until it runs. */
    synchronized void starting() {
        starting = true;
    }

    synchronized void attach(IntConsumer sender) {
        this.sender = sender;
        if (pending != 0) {
            sender.accept(pending);
            pending = 0;
        }
    }

    /**
     * Sends {@code signal} to the running command's process group, or keeps it for the command
     * being started; false when there is none yet, or one is already kept (the caller may then give
     * up waiting).
     */
    public synchronized boolean send(int signal) {
        if (sender != null) {
            sender.accept(signal);
            return true;
        }
        if (starting && pending == 0) {
            pending = signal;
            return true;
        }
        return false;
    }
}
