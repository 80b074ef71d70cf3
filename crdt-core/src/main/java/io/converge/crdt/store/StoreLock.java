package io.converge.crdt.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock that keeps a store's directory to one open store: an OS file lock on
 * {@code log/LOCK}, so two processes (or two opens in one JVM) cannot recover or write one
 * directory at once. Held from before recovery reads anything until the log closes.
 */
final class StoreLock implements AutoCloseable {
    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates the log directory if needed and takes the lock.
     *
     * @throws StoreException if another open store holds it, or on an I/O error
     */
    static StoreLock acquire(StoreConfig config) {
        Path dir = config.logDirectory();
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            ch = FileChannel.open(dir.resolve(LogFormat.LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                throw new StoreException(dir + " is in use by another open log");
            }
            return new StoreLock(dir, ch, l);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new StoreException("cannot open the log in " + dir, e);
        } catch (RuntimeException | Error e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Releases the lock; idempotent. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException e) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }

    @Override
    public String toString() {
        return "StoreLock{" + dir + "}";
    }
}
