package dev.smolvm.guest;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Poll;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * When a booting guest counts as up, as a value (in the manner of Testcontainers' WaitStrategy):
 * a cheap look that is repeated until it holds. Readiness values compose with {@link #and}, and
 * {@link #await} is the one loop that waits for them, giving up at a deadline or at once when
 * the VM process dies.
 *
 * <p>Today's guests: {@code consoleLine(GUEST_READY).and(channel.readiness())}, where the SSH
 * channel's readiness is {@link #tcpPort} 22. A guest agent's channel answers with its own value
 * (its HELLO), and nothing else changes.
 */
public interface Readiness {
    /** One look: true once ready (and true from then on). Cheap: it is asked every few milliseconds. */
    boolean ready();

    /** What is awaited, for messages: "the console line 'x'". */
    String what();

    static Readiness of(String what, BooleanSupplier check) {
        return new Readiness() {
            private boolean seen;

            @Override
            public boolean ready() {
                return seen || (seen = check.getAsBoolean());
            }

            @Override
            public String what() {
                return what;
            }
        };
    }

    /** A line on the guest's serial console (only what was appended since the last look is read). */
    static Readiness consoleLine(Path consoleLog, String line) {
        ConsoleWatch watch = new ConsoleWatch(consoleLog, line);
        return of("the console line '" + line + "'", watch::seen);
    }

    /** A TCP port that accepts a connection. */
    static Readiness tcpPort(String host, int port) {
        return of("port " + port + " on " + host, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 50);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** This, then {@code next}: {@code next} is not asked before this holds. */
    default Readiness and(Readiness next) {
        List<Readiness> all = List.of(this, next);
        return new Readiness() {
            @Override
            public boolean ready() {
                for (Readiness r : all) {
                    if (!r.ready()) {
                        return false;
                    }
                }
                return true;
            }

            @Override
            public String what() {
                for (Readiness r : all) {
                    if (!r.ready()) {
                        return r.what();
                    }
                }
                return all.getLast().what();
            }
        };
    }

    /**
     * Waits until ready. Fails at once (INTERNAL, "stopped while booting") when {@code vmAlive}
     * turns false, and with TIMEOUT naming what was still awaited when {@code deadline} passes.
     */
    default void await(Poll.Deadline deadline, BooleanSupplier vmAlive, String subject) {
        int[] looks = {0};
        boolean ok = Poll.until(deadline, Duration.ofMillis(10), () -> {
            if (looks[0]++ % 10 == 0 && !vmAlive.getAsBoolean()) {
                throw SmolvmException.internal(subject + " stopped while booting");
            }
            return ready();
        });
        if (!ok) {
            throw new SmolvmException(ErrorCode.TIMEOUT, subject + " was not ready within "
                    + deadline.span().toSeconds() + " s (still waiting for " + what() + ")");
        }
    }
}
