package dev.smolvm.host;

import dev.smolvm.SmolvmException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock on a file, held against other smolvm processes (an OS file lock) and against
 * other threads of this one. Re-entrant for the thread that holds it, so a locked operation may
 * call another that takes the same lock. Released on close.
 */
public final class FileLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, Holder> HOLDERS = new ConcurrentHashMap<>();

    private static final class Holder {
        final ReentrantLock threads = new ReentrantLock();
        FileChannel channel;
        java.nio.channels.FileLock osLock;
    }

    private final Path file;
    private final Holder holder;

    private FileLock(Path file, Holder holder) {
        this.file = file;
        this.holder = holder;
    }

    public static FileLock acquire(Path file) {
        Path key = file.toAbsolutePath().normalize();
        Holder h = HOLDERS.computeIfAbsent(key, k -> new Holder());
        h.threads.lock();
        if (h.threads.getHoldCount() == 1) {
            try {
                Files.createDirectories(key.getParent());
                h.channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                h.osLock = h.channel.lock();
            } catch (IOException e) {
                h.threads.unlock();
                throw SmolvmException.internal("cannot lock " + key + ": " + e.getMessage());
            }
        }
        return new FileLock(key, h);
    }

    /**
     * The lock if nobody holds it now (another process, or another thread of this one), else empty:
     * for cleaning up after work that may still be going on.
     */
    public static java.util.Optional<FileLock> tryAcquire(Path file) {
        Path key = file.toAbsolutePath().normalize();
        Holder h = HOLDERS.computeIfAbsent(key, k -> new Holder());
        if (!h.threads.tryLock()) {
            return java.util.Optional.empty();
        }
        if (h.threads.getHoldCount() == 1) {
            try {
                Files.createDirectories(key.getParent());
                h.channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                h.osLock = h.channel.tryLock();
                if (h.osLock == null) {
                    h.channel.close();
                    h.channel = null;
                    h.threads.unlock();
                    return java.util.Optional.empty();
                }
            } catch (IOException e) {
                h.threads.unlock();
                throw SmolvmException.internal("cannot lock " + key + ": " + e.getMessage());
            }
        }
        return java.util.Optional.of(new FileLock(key, h));
    }

    @Override
    public void close() {
        if (holder.threads.getHoldCount() == 1) {
            try {
                holder.osLock.release();
                holder.channel.close();
            } catch (IOException ignored) {
                // the lock dies with the channel anyway
            }
            holder.osLock = null;
            holder.channel = null;
        }
        holder.threads.unlock();
    }

    @Override
    public String toString() {
        return "FileLock[" + file + "]";
    }
}
