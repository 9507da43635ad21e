package dev.smolvm.guest.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process the agent started, on its own stream. Its output goes to the given streams from the
 * client's reader thread as it arrives (so they should not block for long); its stdin, if any, is
 * sent from a virtual thread within the window the agent grants.
 */
public final class RunningExec implements StreamHandler {
    private static final int SIGKILL = 9;
    /** After the time limit's SIGKILL, how long to wait for the agent to report the end. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(10);

    private final AgentClient client;
    private int id;
    private final OutputStream out;
    private final OutputStream err;
    private final CompletableFuture<Long> started = new CompletableFuture<>();
    private final CompletableFuture<ExecOutcome> done = new CompletableFuture<>();
    private final Object windowLock = new Object();
    private long window;
    private volatile boolean timedOut;
    private volatile boolean outputBroken;

    RunningExec(AgentClient client, OutputStream out, OutputStream err) {
        this.client = client;
        this.out = out;
        this.err = err;
    }

    void bind(int streamId) {
        this.id = streamId;
    }

    @Override
    public void frame(Frame f) {
        switch (f.type()) {
            case Wire.EXEC_STARTED -> {
                Fields fl = f.fields();
                credit(fl.u32(Wire.F_WINDOW).orElse(0L));
                started.complete(fl.u32(Wire.F_PID).orElse(0L));
            }
            case Wire.STDOUT -> write(out, f.payload());
            case Wire.STDERR -> write(err, f.payload());
            case Wire.WINDOW -> credit(f.fields().u32(Wire.F_WINDOW).orElse(0L));
            case Wire.EXIT -> {
                Fields fl = f.fields();
                int signal = fl.u32(Wire.F_SIGNAL).orElse(0L).intValue();
                int code = fl.u32(Wire.F_CODE).orElse(0L).intValue();
                client.forget(id);
                finish(null, new ExecOutcome(code, signal, timedOut));
            }
            case Wire.ERROR -> {
                client.forget(id);
                finish(Replies.errorOf(f), null);
            }
            default -> {
            }
        }
    }

    @Override
    public void closed(AgentException why) {
        finish(why, null);
    }

    private void finish(AgentException failure, ExecOutcome outcome) {
        if (failure != null) {
            started.completeExceptionally(failure);
            done.completeExceptionally(failure);
        } else {
            started.complete(0L);
            done.complete(outcome);
        }
        synchronized (windowLock) {
            windowLock.notifyAll();
        }
    }

    private void write(OutputStream to, byte[] data) {
        if (to == null || outputBroken) {
            return;
        }
        try {
            to.write(data);
            to.flush();
        } catch (IOException e) {
            outputBroken = true; // the caller stopped listening; the process runs on
        }
    }

    private void credit(long n) {
        synchronized (windowLock) {
            window += n;
            windowLock.notifyAll();
        }
    }

    /** Waits for the agent's answer to the start; the process id in the guest. */
    long awaitStarted(Duration timeout) {
        return Replies.await(started, timeout, "starting the command");
    }

    public long pid() {
        return started.getNow(0L);
    }

    /** Sends {@code signal} to the process group: the process and everything it started. */
    public void signal(int signal) {
        client.send(new Frame(Wire.SIGNAL, id, Fields.builder().u32(Wire.F_SIGNAL, signal).build()));
    }

    /** A new terminal size, for a pty exec. */
    public void resize(int rows, int cols) {
        client.send(new Frame(Wire.RESIZE, id, Fields.builder().u32(Wire.F_ROWS, rows).u32(Wire.F_COLS, cols).build()));
    }

    public boolean isDone() {
        return done.isDone();
    }

    /**
     * Waits for the end. When {@code timeout} (null: none) passes first, the whole process group is
     * killed and the outcome says so ({@link ExecOutcome#exitCode()} 124).
     */
    public ExecOutcome await(Duration timeout) {
        try {
            return timeout == null ? done.get() : done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            timedOut = true;
            signal(SIGKILL);
            ExecOutcome killed = Replies.await(done, KILL_GRACE, "ending the command after its time limit");
            return new ExecOutcome(killed.code(), killed.signal(), true);
        } catch (ExecutionException e) {
            throw Replies.unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException("EINTR", "interrupted while waiting for the command", e);
        }
    }

    /** Sends everything {@code in} has as the process's stdin, then end of input. */
    void pumpStdin(InputStream in) {
        byte[] buf = new byte[Wire.CHUNK];
        try {
            while (true) {
                int allowed = awaitWindow();
                if (allowed == 0) {
                    return; // the process ended
                }
                int n = in.read(buf, 0, allowed);
                if (done.isDone()) {
                    return;
                }
                if (n < 0) {
                    client.send(new Frame(Wire.STDIN, id));
                    return;
                }
                synchronized (windowLock) {
                    window -= n;
                }
                client.send(new Frame(Wire.STDIN, id, Arrays.copyOf(buf, n)));
            }
        } catch (IOException | AgentException e) {
            // The caller's stdin failed, or the channel did: end the process's input either way.
            try {
                client.send(new Frame(Wire.STDIN, id));
            } catch (AgentException ignored) {
                // the channel is gone; the outcome will say so
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How many bytes may be sent now (waiting while the window is shut); 0 when the process ended. */
    private int awaitWindow() throws InterruptedException {
        synchronized (windowLock) {
            while (window <= 0 && !done.isDone()) {
                windowLock.wait();
            }
            return done.isDone() ? 0 : (int) Math.min(window, Wire.CHUNK);
        }
    }
}
