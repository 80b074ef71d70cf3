package io.converge.crdt.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The file-based {@link SnapshotStore}: one file per snapshot, replaced by rename. */
final class FileSnapshotStore implements SnapshotStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);

    static final int MAGIC = 0x4356534E; // "CVSN"
    static final int VERSION = 1;
    static final int HEADER_BYTES = 28;
    private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})\\.snap");
    static final String TEMP_SUFFIX = ".tmp";
    /** Largest state a Java array can hold, leaving the VM's header slack. */
    private static final long MAX_STATE_BYTES = Integer.MAX_VALUE - 8;

    private final Path dir;

    FileSnapshotStore(Path dir) {
        this.dir = dir;
    }

    static FileSnapshotStore open(StoreConfig config) {
        Objects.requireNonNull(config, "config");
        Path dir = config.snapshotDirectory();
        try {
            Files.createDirectories(dir);
            boolean removed = false;
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (p.getFileName().toString().endsWith(TEMP_SUFFIX)) {
                        LOG.warn("Deleting {}, a snapshot whose write was interrupted", p);
                        Files.delete(p);
                        removed = true;
                    }
                }
            }
            if (removed) {
                DirectorySync.force(dir);
            }
        } catch (IOException e) {
            throw new StoreException("cannot open the snapshot store in " + dir, e);
        }
        return new FileSnapshotStore(dir);
    }

    static String fileName(long sequence) {
        return String.format("snapshot-%020d.snap", sequence);
    }

    @Override
    public synchronized void write(long sequence, byte[] state) {
        Objects.requireNonNull(state, "state");
        if (sequence < 0) {
            throw new IllegalArgumentException("snapshot sequence must be non-negative: " + sequence);
        }
        Path target = dir.resolve(fileName(sequence));
        Path temp = dir.resolve(fileName(sequence) + TEMP_SUFFIX);
        try {
            CRC32C crc = new CRC32C();
            ByteBuffer seq = ByteBuffer.allocate(Long.BYTES).putLong(0, sequence);
            crc.update(seq.array(), 0, Long.BYTES);
            crc.update(state, 0, state.length);
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            header.putInt(MAGIC).putInt(VERSION).putLong(state.length).putInt((int) crc.getValue()).putLong(sequence).flip();
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer[] parts = {header, ByteBuffer.wrap(state)};
                long left = HEADER_BYTES + (long) state.length;
                while (left > 0) {
                    left -= ch.write(parts);
                }
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            DirectorySync.force(dir);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new StoreException("writing snapshot " + sequence + " to " + dir + " failed", e);
        }
        // The new snapshot is durable: only now may the others go.
        try {
            boolean removed = false;
            for (Path p : snapshotFiles()) {
                if (!p.equals(target)) {
                    Files.deleteIfExists(p);
                    removed = true;
                }
            }
            if (removed) {
                DirectorySync.force(dir);
            }
        } catch (IOException e) {
            LOG.warn("Snapshot {} written, but deleting the older ones in {} failed", sequence, dir, e);
        }
    }

    @Override
    public synchronized Optional<Snapshot> latest() {
        try {
            List<Path> files = snapshotFiles();
            for (int i = files.size() - 1; i >= 0; i--) {
                Path p = files.get(i);
                try {
                    Snapshot s = read(p, sequenceOf(p));
                    if (s != null) {
                        return Optional.of(s);
                    }
                } catch (NoSuchFileException e) {
                    LOG.debug("Snapshot {} vanished while being read", p);
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("reading snapshots in " + dir + " failed", e);
        }
    }

    /** Reads and checks one snapshot; null (and a WARN) if it is not valid. */
    private static Snapshot read(Path p, long expectedSequence) throws IOException {
        Checked c = check(p, expectedSequence);
        if (c.snapshot() == null) {
            LOG.warn("Skipping snapshot {}: {}", p, c.problem());
        }
        return c.snapshot();
    }

    /** A snapshot file read and checked: the snapshot, or why it is not valid. */
    record Checked(Snapshot snapshot, String problem) {
    }

    /** Reads and checks the snapshot in {@code p}, which its name says covers {@code expectedSequence}. */
    static Checked check(Path p, long expectedSequence) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_BYTES) {
                return invalid("file of " + size + " bytes is shorter than the header");
            }
            ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES);
            SegmentReader.readFully(ch, h, 0);
            h.flip();
            int magic = h.getInt();
            int version = h.getInt();
            long length = h.getLong();
            int storedCrc = h.getInt();
            long sequence = h.getLong();
            if (magic != MAGIC || version != VERSION) {
                return invalid(String.format("bad magic 0x%08x or version %d", magic, version));
            }
            if (sequence != expectedSequence) {
                return invalid("header names sequence " + sequence);
            }
            // Check the declared length against the file before allocating anything.
            if (length < 0 || length > MAX_STATE_BYTES || length != size - HEADER_BYTES) {
                return invalid("state length " + length + " does not match the file size " + size);
            }
            byte[] state = new byte[(int) length];
            SegmentReader.readFully(ch, ByteBuffer.wrap(state), HEADER_BYTES);
            CRC32C crc = new CRC32C();
            crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, sequence).array(), 0, Long.BYTES);
            crc.update(state, 0, state.length);
            if ((int) crc.getValue() != storedCrc) {
                return invalid("CRC32C mismatch");
            }
            return new Checked(new Snapshot(sequence, state), null);
        }
    }

    private static Checked invalid(String why) {
        return new Checked(null, why);
    }

    private List<Path> snapshotFiles() throws IOException {
        return snapshotFiles(dir);
    }

    /** The files in {@code dir} named as snapshots, oldest first. */
    static List<Path> snapshotFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> sequenceOf(p) >= 0)
                    .sorted(Comparator.comparingLong(FileSnapshotStore::sequenceOf))
                    .collect(Collectors.toCollection(ArrayList::new));
        }
    }

    static long sequenceOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (!m.matches()) {
            return -1;
        }
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "SnapshotStore{" + dir + "}";
    }
}
