package io.converge.crdt.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Whatever a crash or a bad disk does to the files, recovery hands back exactly a prefix of what
 * was appended (never a record that was not appended, never one out of order) and the log stays
 * appendable. Directories live on tmpfs when available: these properties test the format and the
 * recovery logic, not the disk.
 */
class DeltaLogProperties {
    private static final int SEGMENT_BYTES = 4096;

    /** What the test appended: sequences, payloads, and where each record ends in which segment. */
    private static final class Appended {
        final List<Long> sequences = new ArrayList<>();
        final List<byte[]> payloads = new ArrayList<>();
        final List<Long> segmentOf = new ArrayList<>(); // first sequence of the record's segment
        final List<Long> endOffset = new ArrayList<>(); // offset just past the record in its segment
    }

    private static StoreConfig config(Path dir) {
        return StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.NEVER).segmentBytes(SEGMENT_BYTES).build();
    }

    private static byte[] bytes(long seed, int length) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    /** Appends and tracks the layout the log must produce (roll-over when the next record would not fit). */
    private static Appended append(DeltaLog log, List<Integer> lengths, List<Integer> steps) {
        Appended a = new Appended();
        long seq = -1;
        long segment = -1;
        long size = SEGMENT_BYTES; // forces a segment for the first record
        for (int i = 0; i < lengths.size(); i++) {
            seq += steps.get(i % steps.size());
            byte[] p = bytes(seq, lengths.get(i));
            log.append(seq, p);
            long total = LogFormat.RECORD_HEADER_BYTES + p.length;
            if (size + total > SEGMENT_BYTES) {
                segment = seq;
                size = LogFormat.SEGMENT_HEADER_BYTES;
            }
            size += total;
            a.sequences.add(seq);
            a.payloads.add(p);
            a.segmentOf.add(segment);
            a.endOffset.add(size);
        }
        return a;
    }

    private static void assertPrefix(Appended a, List<StoreFiles.Entry> got, int expectedLength) {
        assertEquals(expectedLength, got.size(), "recovered prefix length");
        for (int i = 0; i < got.size(); i++) {
            assertEquals(a.sequences.get(i), got.get(i).sequence(), "sequence #" + i);
            assertArrayEquals(a.payloads.get(i), got.get(i).payload(), "payload #" + i);
        }
    }

    @Property
    void cuttingTheLastSegmentAnywhereRecoversExactlyThePrefixBeforeTheCut(
            @ForAll @Size(max = 60) List<@IntRange(max = 400) Integer> lengths,
            @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 1, max = 3) Integer> steps,
            @ForAll @DoubleRange(min = 0, max = 1) double cutAt,
            @ForAll @Size(max = 40) List<Byte> garbage) throws IOException {
        Path dir = StoreFiles.fastTempDir("deltalog-prop");
        try {
            Appended a;
            try (DeltaLog log = DeltaLog.open(config(dir))) {
                a = append(log, lengths, steps);
            }
            int expected = a.sequences.size();
            if (expected > 0) {
                Path last = StoreFiles.lastSegment(dir);
                long lastFirst = a.segmentOf.get(expected - 1);
                long cut = (long) Math.floor(cutAt * Files.size(last));
                StoreFiles.truncate(last, cut);
                byte[] g = new byte[garbage.size()];
                for (int i = 0; i < g.length; i++) {
                    g[i] = garbage.get(i);
                }
                StoreFiles.appendBytes(last, g);
                while (expected > 0 && a.segmentOf.get(expected - 1) == lastFirst
                        && (cut < LogFormat.SEGMENT_HEADER_BYTES || a.endOffset.get(expected - 1) > cut)) {
                    expected--;
                }
            }
            try (DeltaLog log = DeltaLog.open(config(dir))) {
                assertPrefix(a, StoreFiles.replayAll(log), expected);
                long next = log.lastSequence() + 1;
                log.append(next, new byte[] {7});
            }
            try (DeltaLog log = DeltaLog.open(config(dir))) {
                List<StoreFiles.Entry> got = StoreFiles.replayAll(log);
                assertPrefix(a, got.subList(0, expected), expected);
                assertEquals(expected + 1, got.size());
                assertEquals(true, log.recovery().clean(), "a log written after recovery reopens clean");
            }
        } finally {
            StoreFiles.deleteRecursively(dir);
        }
    }

    @Property
    void aFlippedByteAnywhereEndsRecoveryExactlyBeforeTheDamagedRecord(
            @ForAll @Size(min = 1, max = 60) List<@IntRange(max = 400) Integer> lengths,
            @ForAll @DoubleRange(min = 0, max = 1) double where,
            @ForAll @IntRange(min = 0, max = 1000) int whichSegment) throws IOException {
        Path dir = StoreFiles.fastTempDir("deltalog-prop");
        try {
            Appended a;
            try (DeltaLog log = DeltaLog.open(config(dir))) {
                a = append(log, lengths, List.of(1));
            }
            List<Path> segments = StoreFiles.segments(dir);
            Path victim = segments.get(whichSegment % segments.size());
            long victimFirst = LogFormat.parseSegmentName(victim);
            long offset = Math.min(Files.size(victim) - 1, (long) Math.floor(where * Files.size(victim)));
            StoreFiles.flipByte(victim, offset);
            // the damaged record: the first of the victim segment whose end lies past the offset
            int damaged = 0;
            while (a.segmentOf.get(damaged) != victimFirst) {
                damaged++;
            }
            if (offset >= LogFormat.SEGMENT_HEADER_BYTES) {
                while (a.endOffset.get(damaged) <= offset) {
                    damaged++;
                }
            }
            try (DeltaLog log = DeltaLog.open(config(dir))) {
                assertPrefix(a, StoreFiles.replayAll(log), damaged);
                assertEquals(victim, log.recovery().damage().orElseThrow().segment());
                log.append(log.lastSequence() + 1, new byte[0]);
            }
        } finally {
            StoreFiles.deleteRecursively(dir);
        }
    }
}
