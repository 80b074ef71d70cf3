package io.converge.crdt.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Forces a directory, so that files created, renamed or deleted in it stay so after a power loss
 * (POSIX needs an {@code fsync} on the directory itself; a file's own {@code fsync} does not make
 * its name durable). Windows cannot open a directory as a channel, and NTFS journals names, so
 * there it is a no-op.
 */
final class DirectorySync {
    private static final boolean WINDOWS =
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    private DirectorySync() {
    }

    static void force(Path directory) throws IOException {
        if (WINDOWS) {
            return;
        }
        try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
