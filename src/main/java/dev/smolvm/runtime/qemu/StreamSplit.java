package dev.smolvm.runtime.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.runtime.VmSpec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Saves a stopped VM whose RAM is private: QEMU migrates into a FIFO this process reads, and
 * {@link RamSplitter} writes what arrives as a devices-only stream and a RAM file, with no full
 * stream on disk in between.
 */
final class StreamSplit {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StreamSplit() {
    }

    static RamSplitter.Result receive(VmSpec spec, Path qmp, String subject, Path statePart, Path ramPart) {
        // A FIFO, not a unix socket: QEMU 7.2 sends through a socket at about half the rate (measured).
        Path fifo = spec.dir().resolve("save.fifo");
        var pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "smolvm-save-" + spec.id());
            t.setDaemon(true);
            return t;
        });
        Future<RamSplitter.Result> split = null;
        try {
            Files.deleteIfExists(fifo);
            Cmd.of("mkfifo", "-m", "600", fifo.toString()).check();
            split = pool.submit(() -> {
                try (FileChannel from = FileChannel.open(fifo, StandardOpenOption.READ); // waits for QEMU to open it
                     OutputStream state = Files.newOutputStream(statePart);
                     FileChannel ram = FileChannel.open(ramPart, StandardOpenOption.CREATE, StandardOpenOption.READ,
                             StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    return RamSplitter.split(from, state, ram, GuestRam.ID);
                }
            });
            QemuSnapshots.qmp(qmp, subject, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":"
                    + JSON.writeValueAsString("exec:cat > '" + fifo.toString().replace("'", "'\\''") + "'") + "}}");
            QemuSnapshots.awaitSaved(qmp, subject);
            dev.smolvm.host.Trace.mark("save: QEMU has sent its state");
            return split.get(QemuSnapshots.SAVE_LIMIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw SmolvmException.internal("the saved state of " + subject + " could not be split into devices and "
                    + "memory: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new SmolvmException(ErrorCode.TIMEOUT, "writing the memory of " + subject + " took longer than "
                    + QemuSnapshots.SAVE_LIMIT.toMinutes() + " minutes.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SmolvmException.internal("interrupted while saving " + subject + ".");
        } catch (IOException e) {
            throw SmolvmException.internal("cannot receive the saved state of " + subject + ": " + e.getMessage());
        } finally {
            if (split != null && !split.isDone()) {
                // QEMU never opened the FIFO (or stopped writing): opening and closing its other end
                // gives the reader an end of stream.
                try (var unblock = FileChannel.open(fifo, StandardOpenOption.WRITE)) {
                    split.cancel(true);
                } catch (IOException ignored) {
                    split.cancel(true);
                }
            }
            pool.shutdownNow();
            try {
                Files.deleteIfExists(fifo);
            } catch (IOException ignored) {
                // replaced at the next save
            }
        }
    }
}
