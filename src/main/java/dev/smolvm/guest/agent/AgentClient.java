package dev.smolvm.guest.agent;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    /** What a request does with the frames of its stream. Called on the reader thread. */
    interface StreamHandler {
        void frame(Frame f);

        void closed(AgentException why);
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

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
            await(c.hello, helloTimeout, "waiting for the guest agent to say hello");
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
                Fields fl = f.fields();
                int version = fl.u32(Wire.F_VERSION).orElse(0L).intValue();
                if (version != Wire.VERSION) {
                    hello.completeExceptionally(new AgentException("EPROTO", "the guest agent speaks protocol version "
                            + version + "; this smolvm speaks " + Wire.VERSION));
                    return;
                }
                send(new Frame(Wire.HELLO_ACK, 0, Fields.builder().u32(Wire.F_VERSION, Wire.VERSION).build()));
                hello.complete(new AgentHello(version, List.copyOf(fl.strings(Wire.F_CAP)),
                        fl.string(Wire.F_AGENT).orElse("unknown"), fl.u32(Wire.F_PID).orElse(0L),
                        fl.u32(Wire.F_MAX_PAYLOAD).orElse((long) Wire.MAX_PAYLOAD)));
            }
            case Wire.ERROR -> {
                AgentException e = errorOf(f);
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

    private int open(StreamHandler h) {
        int id;
        do {
            id = lastId.incrementAndGet() & 0x7fffffff;
        } while (id == 0 || streams.putIfAbsent(id, h) != null);
        return id;
    }

    /** A request answered by one frame (or an error); the frame completes the future. */
    private static final class Reply implements StreamHandler {
        final CompletableFuture<Frame> future = new CompletableFuture<>();
        private final int[] finalTypes;

        Reply(int... finalTypes) {
            this.finalTypes = finalTypes;
        }

        @Override
        public void frame(Frame f) {
            if (f.type() == Wire.ERROR) {
                future.completeExceptionally(errorOf(f));
            } else if (Arrays.stream(finalTypes).anyMatch(t -> t == f.type())) {
                future.complete(f);
            }
        }

        @Override
        public void closed(AgentException why) {
            future.completeExceptionally(why);
        }
    }

    /** A round trip through the agent. */
    public Duration ping() {
        Reply r = new Reply(Wire.PONG);
        int id = open(r);
        long t0 = System.nanoTime();
        try {
            send(new Frame(Wire.PING, id));
            await(r.future, REQUEST_TIMEOUT, "waiting for the guest agent to answer a ping");
            return Duration.ofNanos(System.nanoTime() - t0);
        } finally {
            forget(id);
        }
    }

    /**
     * Makes a restored guest its own: sets its clock to {@code now} and credits {@code entropy} to
     * its kernel's random generator, which is reseeded at once (agent capability "identity").
     */
    public void refreshIdentity(java.time.Instant now, byte[] entropy) {
        Reply r = new Reply(Wire.IDENTITY_DONE);
        int id = open(r);
        try {
            long ns = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            send(new Frame(Wire.IDENTITY, id, java.nio.ByteBuffer.allocate(8 + entropy.length).putLong(ns)
                    .put(entropy).array()));
            await(r.future, REQUEST_TIMEOUT, "waiting for the guest agent to take its new identity");
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
     * Writes {@code data} to {@code path} in the guest, atomically: the file is replaced only when
     * all of it has arrived and been synced. {@code mode} null keeps the replaced file's mode (new
     * files: 0644). Returns the bytes written. If reading {@code data} fails midway, the write is
     * cancelled and the old file stays.
     */
    public long writeFile(String path, InputStream data, Integer mode, boolean createDirs) {
        Reply r = new Reply(Wire.FILE_DONE);
        int id = open(r);
        try {
            Fields.Builder b = Fields.builder().string(Wire.F_PATH, path);
            if (mode != null) {
                b.u32(Wire.F_MODE, mode);
            }
            if (!createDirs) {
                b.u32(Wire.F_NO_MKDIR, 1);
            }
            send(new Frame(Wire.FILE_WRITE, id, b.build()));
            sendData(id, data, r.future);
            Frame done = await(r.future, null, "writing " + path);
            return done.fields().u64(Wire.F_SIZE).orElse(0);
        } finally {
            forget(id);
        }
    }

    private void sendData(int id, InputStream data, CompletableFuture<Frame> answer) {
        byte[] buf = new byte[Wire.CHUNK];
        try {
            while (!answer.isDone()) { // an early answer is an error: stop sending
                int n = data.readNBytes(buf, 0, buf.length);
                if (n == 0) {
                    send(new Frame(Wire.DATA, id));
                    return;
                }
                send(new Frame(Wire.DATA, id, Arrays.copyOf(buf, n)));
            }
        } catch (IOException e) {
            send(new Frame(Wire.CANCEL, id));
            try {
                answer.get(REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS); // the agent removed its temporary file
            } catch (ExecutionException | TimeoutException ignored) {
                // ECANCELED is the expected answer
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw new AgentException("EIO", "reading the data to upload failed, so the file was left as it was: "
                    + e.getMessage(), e);
        }
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
        CompletableFuture<FileInfo> done = new CompletableFuture<>();
        long[] meta = new long[2];
        IOException[] sinkFailure = new IOException[1];
        int id = open(new StreamHandler() {
            @Override
            public void frame(Frame f) {
                switch (f.type()) {
                    case Wire.FILE_INFO -> {
                        meta[0] = f.fields().u64(Wire.F_SIZE).orElse(0);
                        meta[1] = f.fields().u32(Wire.F_MODE).orElse(0L);
                        try {
                            onInfo.accept(new FileInfo(meta[0], (int) meta[1]));
                        } catch (RuntimeException e) {
                            sinkFailure[0] = new IOException(e.getMessage(), e);
                            sendLater(new Frame(Wire.CANCEL, f.stream()));
                        }
                    }
                    case Wire.DATA -> {
                        if (sinkFailure[0] == null) {
                            try {
                                sink.write(f.payload());
                            } catch (IOException e) {
                                sinkFailure[0] = e;
                                sendLater(new Frame(Wire.CANCEL, f.stream()));
                            }
                        }
                    }
                    case Wire.FILE_DONE -> done.complete(new FileInfo(f.fields().u64(Wire.F_SIZE).orElse(0),
                            (int) meta[1]));
                    case Wire.ERROR -> done.completeExceptionally(errorOf(f));
                    default -> {
                    }
                }
            }

            @Override
            public void closed(AgentException why) {
                done.completeExceptionally(why);
            }
        });
        try {
            send(new Frame(Wire.FILE_READ, id, Fields.builder().string(Wire.F_PATH, path).build()));
            try {
                return await(done, null, "reading " + path);
            } catch (AgentException e) {
                if (sinkFailure[0] != null) {
                    throw new AgentException("EIO", "writing what was read from " + path + " failed: "
                            + sinkFailure[0].getMessage(), sinkFailure[0]);
                }
                throw e;
            }
        } finally {
            forget(id);
        }
    }

    // ---- helpers ----

    static AgentException errorOf(Frame f) {
        Fields fl;
        try {
            fl = f.fields();
        } catch (AgentProtocolException e) {
            return new AgentException("EPROTO", "the guest agent sent an unreadable error");
        }
        String code = fl.string(Wire.F_CODE).orElse("EIO");
        return new AgentException(code, fl.string(Wire.F_MESSAGE).orElse("the guest agent refused (" + code + ")"));
    }

    static <T> T await(CompletableFuture<T> f, Duration timeout, String what) {
        try {
            return timeout == null ? f.get() : f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AgentException("ETIMEDOUT", "the guest agent did not answer in " + timeout.toSeconds()
                    + " s while " + what);
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException("EINTR", "interrupted while " + what, e);
        }
    }

    static AgentException unwrap(ExecutionException e) {
        if (e.getCause() instanceof AgentException a) {
            return new AgentException(a.agentCode(), a.getMessage(), a); // a fresh stack for the caller
        }
        return new AgentException("EIO", String.valueOf(e.getCause()), e.getCause());
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
