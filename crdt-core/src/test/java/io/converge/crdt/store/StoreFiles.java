package io.converge.crdt.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Helpers shared by the store tests: deterministic records, file surgery, temporary directories. */
final class StoreFiles {
    private StoreFiles() {
    }

    /** One replayed record. */
    record Entry(long sequence, byte[] payload) {
    }

    /** The payload the tests write for {@code sequence}: 0..{@code maxLength} bytes derived from it. */
    static byte[] payload(long sequence, int maxLength) {
        SplittableRandom r = new SplittableRandom(sequence * 0x9E3779B97F4A7C15L);
        byte[] b = new byte[r.nextInt(maxLength + 1)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    static List<Entry> replayAll(DeltaLog log) {
        return replayFrom(log, -1);
    }

    static List<Entry> replayFrom(DeltaLog log, long from) {
        List<Entry> out = new ArrayList<>();
        log.replay(from, (seq, rec) -> out.add(new Entry(seq, rec)));
        return out;
    }

    static List<Path> segments(Path storeDir) {
        try (Stream<Path> s = Files.list(storeDir.resolve("log"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path lastSegment(Path storeDir) {
        List<Path> s = segments(storeDir);
        return s.get(s.size() - 1);
    }

    static void appendBytes(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            ch.write(b, offset);
        }
    }

    /** A fresh directory on tmpfs when there is one (fast fsync for many-try properties), else in java.io.tmpdir. */
    static Path fastTempDir(String prefix) throws IOException {
        Path shm = Paths.get("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            return Files.createTempDirectory(shm, prefix);
        }
        return Files.createTempDirectory(prefix);
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
