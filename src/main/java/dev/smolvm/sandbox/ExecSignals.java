package dev.smolvm.sandbox;

import java.util.function.IntConsumer;

/**
 * Signals for a command while it runs: the CLI forwards its Ctrl-C here, and the command's whole
 * process group in the guest gets it. Signals sent before the command started are dropped.
 */
public final class ExecSignals {
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    private volatile IntConsumer sender;

    void attach(IntConsumer sender) {
        this.sender = sender;
    }

    /** Sends {@code signal} to the running command's process group; false when none runs yet. */
    public boolean send(int signal) {
        IntConsumer s = sender;
        if (s == null) {
            return false;
        }
        s.accept(signal);
        return true;
    }
}
