package dev.smolvm.guest.agent;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The host's end of the channel to a guest agent (docs/agent-protocol.md). One connection carries
 * many requests at once, each on its own stream id: a reader thread hands every frame to the
 * request it belongs to, and writers take turns frame by frame.
 *
 * <p>In production the channel is the unix socket of QEMU's virtio-serial chardev
 * ({@link #connect}); tests run the agent binary on the host over its stdin and stdout
 * ({@link #open}).
 */
public final class AgentClient implements AutoCloseable {
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final InputStream in;
    private final OutputStream out;
    private final Closeable resource;
    private final Map<Integer, StreamHandler> streams = new ConcurrentHashMap<>();
    private final AtomicInteger lastId = new AtomicInteger();
    private final CompletableFuture<AgentHello> hello = new CompletableFuture<>();
    private final Object writeLock = new Object();
    private volatile AgentException broken;
    private volatile boolean closing;

    private AgentClient(InputStream in, OutputStream out, Closeable resource) {
        this.in = in;
        this.out = out;
        this.resource = resource;
    }

    /** Connects to the agent's unix socket (the host side of the virtio-serial port) and shakes hands. */
    public static AgentClient connect(Path socket, Duration helloTimeout) {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new AgentException("ECHANNEL", "cannot connect to the guest agent's socket " + socket + ": "
                    + e.getMessage(), e);
        }
        return open(SocketStreams.in(ch), SocketStreams.out(ch), ch, helloTimeout);
    }

    /**
     * Speaks to an agent over {@code in}/{@code out}, closing {@code resource} at the end. Asks the
     * agent to say hello (it may have said it already, to a host that has gone), waits for it and
     * answers it.
     */
    public static AgentClient open(InputStream in, OutputStream out, Closeable resource, Duration helloTimeout) {
        AgentClient c = new AgentClient(in, out, resource);
        try {
            // Asked before the reader starts, so that on the wire it comes before our answer to
            // whichever hello we see first: the agent's answer to it is then a harmless repeat.
            c.send(new Frame(Wire.HELLO, 0));
            Thread.ofPlatform().daemon().name("smolvm-agent-reader").start(c::readLoop);
            Replies.await(c.hello, helloTimeout, "waiting for the guest agent to say hello");
        } catch (AgentException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** What the agent said about itself. */
    public AgentHello hello() {
        return hello.join();
    }

    // ---- the reader ----

    private void readLoop() {
        AgentException why;
        try {
            while (true) {
                Frame f = FrameCodec.read(in);
                if (f == null) {
                    why = new AgentException("ECHANNEL", "the guest agent closed the channel");
                    break;
                }
                dispatch(f);
            }
        } catch (AgentProtocolException e) {
            why = new AgentException("EPROTO", "the guest agent sent something that is not the protocol ("
                    + e.getMessage() + "); the channel is closed", e);
        } catch (IOException e) {
            why = closing ? new AgentException("ECHANNEL", "the channel to the guest agent was closed")
                    : new AgentException("ECHANNEL", "the channel to the guest agent failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            why = new AgentException("EPROTO", "the guest agent's message could not be handled: " + e.getMessage(), e);
        }
        fail(why);
    }

    private void dispatch(Frame f) {
        if (f.stream() == 0) {
            onConnectionFrame(f);
            return;
        }
        StreamHandler h = streams.get(f.stream());
        if (h != null) {
            h.frame(f);
        }
    }

    private void onConnectionFrame(Frame f) {
        switch (f.type()) {
            case Wire.HELLO -> {
                if (hello.isDone()) {
                    return; // a second hello answers our request; the first one was acknowledged
                }
                AgentHello h;
                try {
                    h = AgentHello.from(f.fields());
                } catch (AgentException e) {
                    hello.completeExceptionally(e);
                    return;
                }
                send(new Frame(Wire.HELLO_ACK, 0, Fields.builder().u32(Wire.F_VERSION, Wire.VERSION).build()));
                hello.complete(h);
            }
            case Wire.ERROR -> {
                AgentException e = Replies.errorOf(f);
                fail(new AgentException(e.agentCode(), "the guest agent ended the session: " + e.getMessage()));
                closeQuietly();
            }
            default -> {
                // nothing else is sent on stream 0
            }
        }
    }

    private void fail(AgentException why) {
        if (broken == null) {
            broken = why;
        }
        hello.completeExceptionally(why);
        for (Integer id : List.copyOf(streams.keySet())) {
            StreamHandler h = streams.remove(id);
            if (h != null) {
                h.closed(why);
            }
        }
    }

    // ---- requests ----

    void send(Frame f) {
        AgentException b = broken;
        if (b != null) {
            throw new AgentException(b.agentCode(), b.getMessage(), b);
        }
        byte[] bytes = FrameCodec.encode(f);
        synchronized (writeLock) {
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                throw new AgentException("ECHANNEL", "cannot write to the guest agent: " + e.getMessage(), e);
            }
        }
    }

    /**
     * For the reader thread: a blocking write there could wait on an agent that is itself
     * waiting for us to read, so it is done on a thread of its own.
     */
    void sendLater(Frame f) {
        Thread.ofVirtual().start(() -> {
            try {
                send(f);
            } catch (AgentException ignored) {
                // the channel failed; every request hears of it from the reader
            }
        });
    }

    void forget(int id) {
        streams.remove(id);
    }

    int open(StreamHandler h) {
        int id;
        do {
            id = lastId.incrementAndGet() & 0x7fffffff;
        } while (id == 0 || streams.putIfAbsent(id, h) != null);
        return id;
    }

    /** A round trip through the agent. */
    public Duration ping() {
        Replies.Reply r = new Replies.Reply(Wire.PONG);
        int id = open(r);
        long t0 = System.nanoTime();
        try {
            send(new Frame(Wire.PING, id));
            Replies.await(r.future, REQUEST_TIMEOUT, "waiting for the guest agent to answer a ping");
            return Duration.ofNanos(System.nanoTime() - t0);
        } finally {
            forget(id);
        }
    }

    /**
     * Has the guest write its dirty page cache and journals to disk ({@code sync(2)}; capability
     * {@code sync}): asked just before a snapshot, so its restores do not write them back again.
     */
    public void sync() {
        request(Wire.SYNC, Wire.SYNC_DONE, new byte[0], "waiting for the guest to write its page cache to disk");
    }

    /** Sends a request whose answer is one frame of type {@code done} (or an error) and waits for it. */
    void request(int type, int done, byte[] payload, String what) {
        Replies.Reply r = new Replies.Reply(done);
        int id = open(r);
        try {
            send(new Frame(type, id, payload));
            Replies.await(r.future, REQUEST_TIMEOUT, what);
        } finally {
            forget(id);
        }
    }

    /**
     * Starts a process. {@code stdin} (null: /dev/null) is sent as the process reads it;
     * {@code stdout}/{@code stderr} (null: dropped) get the output as it is produced.
     */
    public RunningExec start(ExecSpec spec, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        RunningExec exec = new RunningExec(this, stdout, stderr);
        int id = open(exec); // registered before the request goes out, so no frame is missed
        exec.bind(id);
        try {
            send(new Frame(Wire.EXEC, id, spec.payload(stdin != null)));
            exec.awaitStarted(REQUEST_TIMEOUT);
        } catch (AgentException e) {
            forget(id);
            throw e;
        }
        if (stdin != null) {
            Thread.ofVirtual().name("smolvm-agent-stdin-" + id).start(() -> exec.pumpStdin(stdin));
        }
        return exec;
    }

    /** Runs a process to its end, or until {@code timeout} (null: none) kills its process group. */
    public ExecOutcome exec(ExecSpec spec, InputStream stdin, OutputStream stdout, OutputStream stderr,
                            Duration timeout) {
        return start(spec, stdin, stdout, stderr).await(timeout);
    }

    /**
     * Writes {@code data} to {@code path} in the guest, replacing the file only once all of it is
     * synced ({@code mode} null: the old file's, or 0644); returns the bytes written. See {@link FileTransfer}.
     */
    public long writeFile(String path, InputStream data, Integer mode, boolean createDirs) {
        return new FileTransfer(this).write(path, data, mode, createDirs);
    }

    /** Reads {@code path} in the guest into {@code sink}; its size and mode. */
    public FileInfo readFile(String path, OutputStream sink) {
        return readFile(path, sink, info -> { });
    }

    /**
     * Reads {@code path} into {@code sink}, telling {@code onInfo} the file's size and mode before
     * the first byte (an HTTP response sets its headers there). Called on the reader thread.
     */
    public FileInfo readFile(String path, OutputStream sink, java.util.function.Consumer<FileInfo> onInfo) {
        return new FileTransfer(this).read(path, sink, onInfo);
    }

    /** Whether the channel still works (no failure seen). */
    public boolean isOpen() {
        return broken == null;
    }

    private void closeQuietly() {
        closing = true;
        try {
            resource.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }

    @Override
    public void close() {
        closeQuietly();
        fail(new AgentException("ECHANNEL", "the channel to the guest agent was closed"));
    }
}
