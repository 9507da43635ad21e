package dev.smolvm.guest.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Moving one file in or out of the guest over an {@link AgentClient}'s channel, streamed in chunks.
 * A write is atomic: the guest replaces the file only when all of it has arrived and been synced;
 * if reading the data fails midway, the write is cancelled and the old file stays.
 */
final class FileTransfer {
    private final AgentClient client;

    FileTransfer(AgentClient client) {
        this.client = client;
    }

    /**
     * Writes {@code data} to {@code path} in the guest, atomically: the file is replaced only when
     * all of it has arrived and been synced. {@code mode} null keeps the replaced file's mode (new
     * files: 0644). Returns the bytes written. If reading {@code data} fails midway, the write is
     * cancelled and the old file stays.
     */
    long write(String path, InputStream data, Integer mode, boolean createDirs) {
        Replies.Reply r = new Replies.Reply(Wire.FILE_DONE);
        int id = client.open(r);
        try {
            Fields.Builder b = Fields.builder().string(Wire.F_PATH, path);
            if (mode != null) {
                b.u32(Wire.F_MODE, mode);
            }
            if (!createDirs) {
                b.u32(Wire.F_NO_MKDIR, 1);
            }
            client.send(new Frame(Wire.FILE_WRITE, id, b.build()));
            sendData(id, data, r.future);
            Frame done = Replies.await(r.future, null, "writing " + path);
            return done.fields().u64(Wire.F_SIZE).orElse(0);
        } finally {
            client.forget(id);
        }
    }

    private void sendData(int id, InputStream data, CompletableFuture<Frame> answer) {
        byte[] buf = new byte[Wire.CHUNK];
        try {
            while (!answer.isDone()) { // an early answer is an error: stop sending
                int n = data.readNBytes(buf, 0, buf.length);
                if (n == 0) {
                    client.send(new Frame(Wire.DATA, id));
                    return;
                }
                client.send(new Frame(Wire.DATA, id, Arrays.copyOf(buf, n)));
            }
        } catch (IOException e) {
            client.send(new Frame(Wire.CANCEL, id));
            try {
                answer.get(AgentClient.REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS); // the agent removed its temporary file
            } catch (ExecutionException | TimeoutException ignored) {
                // ECANCELED is the expected answer
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw new AgentException("EIO", "reading the data to upload failed, so the file was left as it was: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code path} into {@code sink}, telling {@code onInfo} the file's size and mode before
     * the first byte (an HTTP response sets its headers there). Called on the reader thread.
     */
    FileInfo read(String path, OutputStream sink, Consumer<FileInfo> onInfo) {
        CompletableFuture<FileInfo> done = new CompletableFuture<>();
        long[] meta = new long[2];
        IOException[] sinkFailure = new IOException[1];
        int id = client.open(new StreamHandler() {
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
                            client.sendLater(new Frame(Wire.CANCEL, f.stream()));
                        }
                    }
                    case Wire.DATA -> {
                        if (sinkFailure[0] == null) {
                            try {
                                sink.write(f.payload());
                            } catch (IOException e) {
                                sinkFailure[0] = e;
                                client.sendLater(new Frame(Wire.CANCEL, f.stream()));
                            }
                        }
                    }
                    case Wire.FILE_DONE -> done.complete(new FileInfo(f.fields().u64(Wire.F_SIZE).orElse(0),
                            (int) meta[1]));
                    case Wire.ERROR -> done.completeExceptionally(Replies.errorOf(f));
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
            client.send(new Frame(Wire.FILE_READ, id, Fields.builder().string(Wire.F_PATH, path).build()));
            try {
                return Replies.await(done, null, "reading " + path);
            } catch (AgentException e) {
                if (sinkFailure[0] != null) {
                    throw new AgentException("EIO", "writing what was read from " + path + " failed: "
                            + sinkFailure[0].getMessage(), sinkFailure[0]);
                }
                throw e;
            }
        } finally {
            client.forget(id);
        }
    }
}
