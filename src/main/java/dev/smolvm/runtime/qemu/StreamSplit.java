package dev.smolvm.runtime.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
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
 * Saves a stopped VM whose RAM is private: QEMU migrates to a unix socket this process listens
 * on (one hop, with a 4 MiB receive buffer: through {@code exec:cat} and a FIFO, two 64 KiB pipes,
 * it measured slower), and {@link RamSplitter} writes what arrives as a devices-only stream and a
 * RAM file, with no full stream on disk in between.
 */
final class StreamSplit {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StreamSplit() {
    }

    /** {@code ram}: the memory file, written in place (pages at their offsets, zero pages left as holes). */
    static RamSplitter.Result receive(VmSpec spec, Path qmp, String subject, Path statePart, Path ram) {
        Path socket = spec.dir().resolve("save.sock");
        var pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "smolvm-save-" + spec.id());
            t.setDaemon(true);
            return t;
        });
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            Files.deleteIfExists(socket);
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            Future<RamSplitter.Result> split = pool.submit(() -> {
                try (var from = server.accept();
                     OutputStream state = Files.newOutputStream(statePart);
                     FileChannel ramFile = FileChannel.open(ram, StandardOpenOption.CREATE, StandardOpenOption.READ,
                             StandardOpenOption.WRITE)) {
                    from.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
                    return RamSplitter.split(from, state, ramFile, GuestRam.ID);
                }
            });
            QemuSnapshots.qmp(qmp, subject, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":"
                    + JSON.writeValueAsString("unix:" + socket) + "}}");
            try {
                QemuSnapshots.awaitSaved(qmp, subject);
            } catch (SmolvmException e) {
                split.cancel(true);
                throw e;
            }
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
            pool.shutdownNow();
            try {
                Files.deleteIfExists(socket);
            } catch (IOException ignored) {
                // replaced at the next save
            }
        }
    }
}
