package dev.smolvm.sandbox;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Trace;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs {@link Phase}s in order and remembers what was done. When a phase fails, that phase and
 * every one before it are undone, newest first, and the error names the phase. {@link #abort}
 * (the shutdown hook on Ctrl-C or SIGTERM) undoes the same way from another thread, including
 * the phase under way; a phase that finishes after an abort is undone at once.
 */
final class PhaseRunner {
    private final String what;
    private final Deque<Phase> done = new ArrayDeque<>();
    private final Map<String, Long> millis = new LinkedHashMap<>();
    private Phase current;
    private boolean aborted;
    private volatile String reason = "interrupted";

    /** {@code what} names the sequence in messages and traces: "boot of sandbox 'x'". */
    PhaseRunner(String what) {
        this.what = what;
    }

    /**
     * Runs {@code phases}. On failure: {@code beforeUndo} gives a detail for the message (it runs
     * while everything is still in place, e.g. to keep the console log), then all is undone.
     */
    void run(List<Phase> phases, Supplier<String> beforeUndo) {
        for (Phase p : phases) {
            synchronized (this) {
                if (aborted) {
                    throw SmolvmException.internal(what + " was interrupted before phase '" + p.name() + "'");
                }
                current = p;
            }
            long start = System.nanoTime();
            try {
                p.run().run();
            } catch (RuntimeException e) {
                reason = e.getMessage();
                String detail = beforeUndo.get();
                undoAll();
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                throw new SmolvmException(e instanceof SmolvmException se ? se.code() : ErrorCode.INTERNAL,
                        what + " failed in phase '" + p.name() + "': "
                                + (why.endsWith(".") ? why.substring(0, why.length() - 1) : why) + detail, e);
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            boolean lateAbort;
            synchronized (this) {
                lateAbort = aborted;
                if (!lateAbort) {
                    done.push(p);
                    current = null;
                    millis.put(p.name(), ms);
                }
            }
            if (lateAbort) {
                undo(p); // undone while it ran; what it made since is taken back now
                throw SmolvmException.internal(what + " was interrupted in phase '" + p.name() + "'");
            }
            Trace.mark("boot: " + p.name() + " (" + ms + " ms)");
        }
    }

    /** Undoes everything done so far and stops the sequence (for the shutdown hook). */
    void abort() {
        undoAll();
    }

    /** Why the sequence is being undone: the failing phase's message, or "interrupted". */
    String reason() {
        return reason;
    }

    /** Milliseconds per finished phase, in order. */
    Map<String, Long> timings() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(millis));
    }

    private synchronized void undoAll() {
        aborted = true;
        if (current != null) {
            done.push(current);
            current = null;
        }
        while (!done.isEmpty()) {
            undo(done.pop());
        }
    }

    private static void undo(Phase p) {
        try {
            p.undo().run();
            Trace.mark("boot: undid " + p.name());
        } catch (RuntimeException e) {
            // Undo is best effort: what is left is found by the reaper ('smolvm prune').
            Trace.mark("boot: undoing " + p.name() + " failed: " + e.getMessage());
        }
    }
}
