package dev.smolvm.host;

/**
 * Phase timings on stderr when {@code SMOLVM_TRACE=1}: milliseconds since the command's first mark
 * (its main method). For finding where time goes; silent otherwise.
 */
public final class Trace {
    private static final boolean ON = "1".equals(System.getenv("SMOLVM_TRACE"));
    private static final long START = System.nanoTime(); // the first mark (main) is ~0

    private Trace() {
    }

    public static void mark(String phase) {
        if (ON) {
            System.err.printf("[trace %6d ms] %s%n", (System.nanoTime() - START) / 1_000_000, phase);
        }
    }
}
