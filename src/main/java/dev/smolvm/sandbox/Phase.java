package dev.smolvm.sandbox;

/**
 * One named step of a lifecycle sequence and how to take it back. An undo must be idempotent and
 * safe on a step that only got half-way (it is run for the step that failed, too), and must not
 * throw for something that is gone already.
 */
record Phase(String name, Runnable run, Runnable undo) {
    static final Runnable NOTHING = () -> { };

    static Phase of(String name, Runnable run, Runnable undo) {
        return new Phase(name, run, undo);
    }

    /** A step that leaves nothing on the host to take back. */
    static Phase keep(String name, Runnable run) {
        return new Phase(name, run, NOTHING);
    }
}
