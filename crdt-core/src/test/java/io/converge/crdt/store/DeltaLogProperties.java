package io.converge.crdt.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
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

    /**
     * Whether the bytes at {@code at} pass the format's own test of a record, sequence order aside:
     * a length that fits in {@code file} and a CRC32C that matches. The properties below ask it only
     * where their damage has changed the record, so a yes there is a CRC collision, see below.
     */
    private static boolean checksumMatchesAt(byte[] file, long at) {
        if (file.length - at < LogFormat.RECORD_HEADER_BYTES) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(file);
        int length = b.getInt((int) at);
        if (length < 0 || length > file.length - at - LogFormat.RECORD_HEADER_BYTES) {
            return false;
        }
        CRC32C crc = new CRC32C();
        crc.update(file, (int) at + 8, 8 + length);
        return (int) crc.getValue() == b.getInt((int) at + 4);
    }

    /** Where the record after the first {@code count} appended starts in {@code segment} (after the header if first). */
    private static long startOfRecordAfter(Appended a, int count, long segment) {
        return count > 0 && a.segmentOf.get(count - 1) == segment ? a.endOffset.get(count - 1) : LogFormat.SEGMENT_HEADER_BYTES;
    }

    private static void assertPrefix(Appended a, List<StoreFiles.Entry> got, int expectedLength) {
        assertEquals(expectedLength, got.size(), "recovered prefix length");
        for (int i = 0; i < got.size(); i++) {
            assertEquals(a.sequences.get(i), got.get(i).sequence(), "sequence #" + i);
            assertArrayEquals(a.payloads.get(i), got.get(i).payload(), "payload #" + i);
        }
    }

    /**
     * Cuts the last segment at a random point and appends random garbage, as a crash in the middle
     * of a write (or a file system that extended the file but never wrote its data) leaves it.
     *
     * <p>The oracle counts the records that lie wholly in the leading bytes of the segment that are
     * still exactly what was appended, compared byte for byte, not the records before the cut. The
     * garbage may begin with the very bytes the cut removed: jqwik favours small byte values, and
     * the last bytes of a small sequence or of a short length are small too. Then the record the cut
     * tore is whole again and recovery must keep it; counting from the cut made this property fail
     * on such seeds (see the regressions below) although the log was right. Comparing bytes keeps
     * every input, including those where the garbage restores a record, so the property also checks
     * that recovery keeps a record that is whole again rather than stopping short of it. Making the
     * first garbage byte differ from the removed one would be exact too, but would stop testing that.
     *
     * <p>What the comparison cannot see: bytes that differ from what was written yet pass as a
     * record, i.e. a CRC32C collision (chance 2^-32 per try). No reader can tell that from data, so
     * such a try is not judged ({@link Assume}) rather than misjudged.
     */
    @Property
    void cuttingTheLastSegmentAnywhereRecoversExactlyTheRecordsLeftWhole(
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
                byte[] written = Files.readAllBytes(last);
                long cut = (long) Math.floor(cutAt * written.length);
                StoreFiles.truncate(last, cut);
                byte[] g = new byte[garbage.size()];
                for (int i = 0; i < g.length; i++) {
                    g[i] = garbage.get(i);
                }
                StoreFiles.appendBytes(last, g);
                byte[] onDisk = Files.readAllBytes(last);
                // How many leading bytes of the segment are still exactly what was appended: at least
                // the cut, more where the garbage happens to repeat the bytes it replaced.
                int mismatch = Arrays.mismatch(written, onDisk);
                long intact = mismatch < 0 ? written.length : mismatch;
                while (expected > 0 && a.segmentOf.get(expected - 1) == lastFirst
                        && (intact < LogFormat.SEGMENT_HEADER_BYTES || a.endOffset.get(expected - 1) > intact)) {
                    expected--;
                }
                // The record after the intact ones is torn or changed; only a CRC collision makes it pass.
                Assume.that(intact < LogFormat.SEGMENT_HEADER_BYTES
                        || !checksumMatchesAt(onDisk, startOfRecordAfter(a, expected, lastFirst)));
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

    /**
     * Regression: seed -4706832919935176271 failed the property above under its old oracle, which
     * expected the records before the cut (at try 154, recovery rightly kept one more, made whole
     * by the garbage). The values a seed generates depend on the number of tries, so they are
     * pinned here to the default 300 whatever {@code -Djqwik.tries} says; a jqwik upgrade may still
     * change them, which is why the example below spells the case out as well.
     */
    @Property(seed = "-4706832919935176271", tries = 300)
    void cuttingRegressionSeed(
            @ForAll @Size(max = 60) List<@IntRange(max = 400) Integer> lengths,
            @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 1, max = 3) Integer> steps,
            @ForAll @DoubleRange(min = 0, max = 1) double cutAt,
            @ForAll @Size(max = 40) List<Byte> garbage) throws IOException {
        cuttingTheLastSegmentAnywhereRecoversExactlyTheRecordsLeftWhole(lengths, steps, cutAt, garbage);
    }

    /**
     * The case that seed shrank to, by hand: one record of sequence 1 with an empty payload fills
     * bytes 32..47 of its segment (after the 32-byte header); the cut at 47 removes the last byte of
     * its sequence (0x01), and the first garbage byte is 0x01 again. The record is whole, recovery
     * keeps it and cuts the one byte of garbage after it.
     */
    @Example
    void garbageThatRewritesTheBytesACutRemovedLeavesTheirRecordWhole() throws IOException {
        cuttingTheLastSegmentAnywhereRecoversExactlyTheRecordsLeftWhole(List.of(0), List.of(2), 47.0 / 48,
                List.of((byte) 1, (byte) 5));
    }

    /**
     * Flips one byte (XOR 0x5A, so it is never left as it was) anywhere in any segment.
     *
     * <p>In the very last record, or in the last segment's header, the damage is indistinguishable
     * from a crash trace: recovery keeps exactly the records before the damaged one. Anywhere else
     * valid records follow the damaged one, so the log has a hole: it refuses to open, naming the
     * damaged record's sequence as the start of the hole, and changes nothing; opened as a new
     * replica it keeps every record it can read, in order, and sets the damaged segment's original
     * aside. In the last segment what it can read is every record but the damaged one (its resync
     * scan finds the next record); in an earlier segment it is the records before the damaged one,
     * since only the last segment is scanned past damage.
     *
     * <p>Why the damaged record can never pass: a flip in a segment header changes a field compared
     * exactly or covered by the header's CRC32C; one in a record's sequence, CRC or payload is an
     * error burst of at most 8 bits, which CRC32C always detects; one in the three high bytes of a
     * length (at most 400 here) makes it at least 0x5A00, past the end of any 4 KiB segment. Only a
     * flip in the low byte of a length leaves one that may fit, and then the CRC is checked over a
     * different range and matches only by a 2^-32 collision; such a try is not judged
     * ({@link Assume}) rather than misjudged.
     */
    @Property
    void aFlippedByteIsCutAsATornTailOnlyAtTheEndAndRefusedAsAHoleElsewhere(
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
            int victimIndex = whichSegment % segments.size();
            Path victim = segments.get(victimIndex);
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
                Assume.that(!checksumMatchesAt(Files.readAllBytes(victim), startOfRecordAfter(a, damaged, victimFirst)));
            }
            boolean inLast = victimIndex == segments.size() - 1;
            if (inLast && (offset < LogFormat.SEGMENT_HEADER_BYTES || damaged == a.sequences.size() - 1)) {
                try (DeltaLog log = DeltaLog.open(config(dir))) {
                    assertPrefix(a, StoreFiles.replayAll(log), damaged);
                    assertEquals(victim, log.recovery().damage().orElseThrow().segment());
                    log.append(log.lastSequence() + 1, new byte[0]);
                }
                return;
            }
            byte[] before = Files.readAllBytes(victim);
            StoreGapException refused = assertThrows(StoreGapException.class, () -> DeltaLog.open(config(dir)));
            assertEquals(victim, refused.damages().get(0).segment());
            assertEquals(a.sequences.get(damaged), refused.gaps().get(0).from(), "the hole starts at the damaged record");
            if (inLast) {
                assertEquals(a.sequences.get(damaged), refused.gaps().get(0).to(), "and ends there: the next one is read");
            }
            assertArrayEquals(before, Files.readAllBytes(victim), "a refused open changes nothing");
            assertEquals(segments, StoreFiles.segments(dir));
            // Recovered as a new replica: every readable record, in order, the victim's original set aside.
            int lostUpTo = inLast ? damaged + 1 : damaged;
            while (!inLast && lostUpTo < a.sequences.size() && a.segmentOf.get(lostUpTo) == victimFirst) {
                lostUpTo++;
            }
            StoreConfig asNew = StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.NEVER).segmentBytes(SEGMENT_BYTES)
                    .recoverAsNewReplica(io.converge.crdt.causal.ReplicaId.of("fresh")).build();
            try (DeltaLog log = DeltaLog.open(asNew)) {
                List<StoreFiles.Entry> got = StoreFiles.replayAll(log);
                assertEquals(a.sequences.size() - (lostUpTo - damaged), got.size());
                for (int i = 0, j = 0; i < a.sequences.size(); i++) {
                    if (i >= damaged && i < lostUpTo) {
                        continue;
                    }
                    assertEquals(a.sequences.get(i), got.get(j).sequence());
                    assertArrayEquals(a.payloads.get(i), got.get(j).payload());
                    j++;
                }
                RecoveryReport r = log.recovery();
                assertEquals(1, r.acceptedGaps().size());
                assertTrue(r.quarantined().stream().anyMatch(q -> q.original().equals(victim)), r.toString());
                log.append(log.lastSequence() + 1, new byte[0]);
            }
            try (DeltaLog log = DeltaLog.open(config(dir))) {
                assertTrue(log.recovery().clean(), "the accepted hole is on record: " + log.recovery());
            }
        } finally {
            StoreFiles.deleteRecursively(dir);
        }
    }
}
