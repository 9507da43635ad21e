package dev.smolvm.host;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The one way smolvm waits for something on the host: look, sleep a little, look again, until
 * it holds or a {@link Deadline} passes. An interrupt ends the wait as if the deadline had passed
 * (the interrupt flag stays set for the caller).
 */
public final class Poll {
    private Poll() {
    }

    /** A point in time to give up at, and the span it was made from (for messages). */
    public record Deadline(long atNanos, Duration span) {
        public static Deadline in(Duration span) {
            return new Deadline(System.nanoTime() + span.toNanos(), span);
        }

        public boolean passed() {
            return System.nanoTime() >= atNanos;
        }

        /** What is left, never negative. */
        public Duration left() {
            return Duration.ofNanos(Math.max(0, atNanos - System.nanoTime()));
        }
    }

    /** Looks at {@code done} every {@code every} until it is true (true) or {@code deadline} passes (false). */
    public static boolean until(Deadline deadline, Duration every, BooleanSupplier done) {
        while (true) {
            if (done.getAsBoolean()) {
                return true;
            }
            if (deadline.passed() || !sleep(every)) {
                return false;
            }
        }
    }

    /** {@link #until(Deadline, Duration, BooleanSupplier)} for {@code timeout} from now. */
    public static boolean until(Duration timeout, Duration every, BooleanSupplier done) {
        return until(Deadline.in(timeout), every, done);
    }

    /** Sleeps; false when interrupted (the flag is set again). */
    public static boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
