package io.converge.crdt.store;

import static io.converge.crdt.store.StoreFiles.lastSegment;
import static io.converge.crdt.store.StoreFiles.payload;
import static io.converge.crdt.store.StoreFiles.replayAll;
import static io.converge.crdt.store.StoreFiles.replayFrom;
import static io.converge.crdt.store.StoreFiles.segments;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ConvergeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeltaLogTest {
    @TempDir
    Path dir;

    private StoreConfig config(FsyncPolicy policy) {
        return StoreConfig.builder(dir).fsyncPolicy(policy).build();
    }

    private StoreConfig smallSegments(FsyncPolicy policy) {
        return StoreConfig.builder(dir).fsyncPolicy(policy).segmentBytes(4096).build();
    }

    private static void appendRange(DeltaLog log, long from, long to, int maxLength) {
        for (long s = from; s <= to; s++) {
            log.append(s, payload(s, maxLength));
        }
    }

    private static void assertRecords(List<StoreFiles.Entry> got, long from, long to, int maxLength) {
        assertEquals(to - from + 1, got.size(), "record count");
        for (int i = 0; i < got.size(); i++) {
            assertEquals(from + i, got.get(i).sequence());
            assertArrayEquals(payload(from + i, maxLength), got.get(i).payload(), "payload of " + (from + i));
        }
    }

    @Test
    void emptyDirectoryOpensAsAnEmptyLog() {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.ALWAYS))) {
            assertEquals(-1, log.lastSequence());
            assertEquals(-1, log.firstSequence());
            assertEquals(-1, log.durableSequence());
            assertTrue(log.recovery().clean());
            assertEquals(0, log.recovery().records());
            assertEquals(0, log.replay(-1, (s, r) -> { }));
            assertEquals(-1, log.sync());
        }
    }

    @Test
    void appendedRecordsReplayInOrderAfterReopen() {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.ALWAYS))) {
            appendRange(log, 1, 50, 200);
            assertEquals(50, log.lastSequence());
            assertEquals(50, log.durableSequence());
            assertRecords(replayAll(log), 1, 50, 200);
        }
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.ALWAYS))) {
            assertTrue(log.recovery().clean());
            assertEquals(50, log.recovery().records());
            assertEquals(1, log.firstSequence());
            assertEquals(50, log.lastSequence());
            assertEquals(50, log.durableSequence());
            assertRecords(replayAll(log), 1, 50, 200);
            appendRange(log, 51, 60, 200);
        }
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.ALWAYS))) {
            assertRecords(replayAll(log), 1, 60, 200);
        }
    }

    @Test
    void replayStartsAfterTheGivenSequence() {
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            appendRange(log, 0, 199, 100);
            assertRecords(replayFrom(log, 149), 150, 199, 100);
            assertRecords(replayFrom(log, -1), 0, 199, 100);
            assertEquals(0, replayFrom(log, 199).size());
        }
    }

    @Test
    void sequencesMayHaveGapsButMustIncrease() {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER))) {
            log.append(5, new byte[] {1});
            log.append(9, new byte[] {2});
            SequenceOrderException same = assertThrows(SequenceOrderException.class, () -> log.append(9, new byte[] {3}));
            assertEquals(9, same.sequence());
            assertEquals(9, same.lastSequence());
            assertThrows(SequenceOrderException.class, () -> log.append(7, new byte[] {3}));
            log.append(10, new byte[] {4});
            assertEquals(List.of(5L, 9L, 10L), replayAll(log).stream().map(StoreFiles.Entry::sequence).collect(Collectors.toList()));
        }
    }

    @Test
    void aBatchIsWrittenInOrderAcrossSegmentsAndIsDurableOnReturn() {
        long[] sequences = new long[300];
        byte[][] records = new byte[300][];
        for (int i = 0; i < sequences.length; i++) {
            sequences[i] = i + 1;
            records[i] = payload(i + 1, 100);
        }
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.ALWAYS))) {
            log.append(0, payload(0, 100));
            log.appendAll(sequences, records);
            assertEquals(300, log.lastSequence());
            assertEquals(300, log.durableSequence(), "ALWAYS: durable when appendAll returns");
            log.appendAll(new long[0], new byte[0][]);
            assertEquals(300, log.lastSequence());
        }
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.ALWAYS))) {
            assertRecords(replayAll(log), 0, 300, 100);
        }
    }

    @Test
    void aBatchWithABadRecordWritesNothing() {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER))) {
            log.append(5, new byte[] {1});
            assertThrows(SequenceOrderException.class,
                    () -> log.appendAll(new long[] {6, 8, 7}, new byte[][] {{2}, {3}, {4}}));
            assertThrows(SequenceOrderException.class,
                    () -> log.appendAll(new long[] {5, 6}, new byte[][] {{2}, {3}}));
            byte[] huge = new byte[StoreConfig.builder(dir).build().maxRecordBytes() + 1];
            assertThrows(RecordTooLargeException.class,
                    () -> log.appendAll(new long[] {6, 7}, new byte[][] {{2}, huge}));
            assertThrows(NullPointerException.class, () -> log.appendAll(new long[] {6, 7}, new byte[][] {{2}, null}));
            assertThrows(IllegalArgumentException.class, () -> log.appendAll(new long[] {6}, new byte[][] {{2}, {3}}));
            assertEquals(5, log.lastSequence());
            assertEquals(List.of(5L), replayAll(log).stream().map(StoreFiles.Entry::sequence).collect(Collectors.toList()));
            log.appendAll(new long[] {6, 7}, new byte[][] {{2}, {3}});
            assertEquals(7, log.lastSequence());
        }
    }

    @Test
    void negativeSequenceIsRejected() {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER))) {
            assertThrows(SequenceOrderException.class, () -> log.append(-1, new byte[0]));
            log.append(0, new byte[0]);
            assertEquals(0, log.lastSequence());
        }
    }

    @Test
    void oversizedRecordIsRejectedAndNothingIsWritten() {
        StoreConfig c = StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.NEVER).maxRecordBytes(1000).build();
        try (DeltaLog log = DeltaLog.open(c)) {
            log.append(1, new byte[1000]);
            RecordTooLargeException e = assertThrows(RecordTooLargeException.class, () -> log.append(2, new byte[1001]));
            assertEquals(1001, e.length());
            assertEquals(1000, e.limit());
            assertTrue(e instanceof ConvergeException);
            log.append(2, new byte[1]);
            assertEquals(2, replayAll(log).size());
        }
    }

    @Test
    void emptyAndLargeRecordsRoundTrip() {
        byte[] large = payload(7, 3 << 20);
        while (large.length < 200_000) {
            large = payload(large.length + 7L, 3 << 20);
        }
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.ALWAYS))) {
            log.append(1, new byte[0]);
            log.append(2, large);
            log.append(3, new byte[] {42});
        }
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.ALWAYS))) {
            List<StoreFiles.Entry> got = replayAll(log);
            assertEquals(3, got.size());
            assertEquals(0, got.get(0).payload().length);
            assertArrayEquals(large, got.get(1).payload());
            assertArrayEquals(new byte[] {42}, got.get(2).payload());
        }
    }

    @Test
    void segmentsRollOverAndAreNamedByTheirFirstSequence() throws IOException {
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            appendRange(log, 1, 300, 100);
            List<Path> files = segments(dir);
            assertTrue(files.size() > 3, "expected several segments, got " + files);
            assertEquals(files.size(), ((FileDeltaLog) log).segmentCount());
            for (Path f : files) {
                assertTrue(Files.size(f) <= 4096, f + " is larger than a segment");
            }
            assertEquals(String.format("%020d.log", 1), files.get(0).getFileName().toString());
        }
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            assertTrue(log.recovery().clean());
            assertRecords(replayAll(log), 1, 300, 100);
            // each segment's name is the sequence of its first record
            for (Path f : segments(dir)) {
                long first = Long.parseLong(f.getFileName().toString().substring(0, 20));
                StoreFiles.Entry firstInFile = replayFrom(log, first - 1).get(0);
                assertEquals(first, firstInFile.sequence());
            }
        }
    }

    @Test
    void truncateBeforeDeletesOnlyWholeSegmentsBelowTheSequence() {
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            appendRange(log, 1, 300, 100);
            int before = segments(dir).size();
            assertEquals(0, log.truncateBefore(1));
            int deleted = log.truncateBefore(150);
            assertTrue(deleted > 0);
            assertEquals(before - deleted, segments(dir).size());
            assertTrue(log.firstSequence() <= 150, "a record >= 150 was deleted: first is " + log.firstSequence());
            List<StoreFiles.Entry> rest = replayAll(log);
            assertEquals(log.firstSequence(), rest.get(0).sequence());
            assertRecords(replayFrom(log, 149), 150, 300, 100);
            log.append(301, payload(301, 100));
        }
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            assertTrue(log.recovery().clean());
            assertRecords(replayFrom(log, 149), 150, 301, 100);
        }
    }

    @Test
    void truncateBeforeNeverDeletesTheActiveSegment() {
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            appendRange(log, 1, 300, 100);
            log.truncateBefore(Long.MAX_VALUE);
            assertEquals(1, segments(dir).size());
            assertEquals(300, log.lastSequence());
            assertEquals(300, replayAll(log).get(replayAll(log).size() - 1).sequence());
            assertThrows(SequenceOrderException.class, () -> log.append(300, new byte[0]));
        }
    }

    @Test
    void tornRecordAtTheEndIsCutAndLaterAppendsWork() throws IOException {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.ALWAYS))) {
            appendRange(log, 1, 10, 100);
        }
        Path seg = lastSegment(dir);
        long validSize = Files.size(seg);
        // a record header announcing 100 bytes, followed by only 20 of them
        ByteBuffer torn = ByteBuffer.allocate(16 + 20).putInt(100).putInt(0x1234).putLong(11);
        StoreFiles.appendBytes(seg, torn.array());
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.ALWAYS))) {
            RecoveryReport r = log.recovery();
            assertFalse(r.clean());
            assertEquals(RecoveryReport.Reason.TORN, r.damage().orElseThrow().reason());
            assertEquals(validSize, r.damage().orElseThrow().offset());
            assertEquals(36, r.droppedBytes());
            assertEquals(10, r.records());
            assertEquals(validSize, Files.size(seg), "the torn tail is cut off the file");
            assertEquals(10, log.lastSequence());
            log.append(11, payload(11, 100));
        }
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.ALWAYS))) {
            assertTrue(log.recovery().clean());
            assertRecords(replayAll(log), 1, 11, 100);
        }
    }

    @Test
    void partialRecordHeaderAtTheEndIsCut() throws IOException {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER))) {
            appendRange(log, 1, 5, 100);
        }
        StoreFiles.appendBytes(lastSegment(dir), new byte[] {0, 0, 0, 9, 1, 2, 3});
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER))) {
            assertEquals(RecoveryReport.Reason.TORN, log.recovery().damage().orElseThrow().reason());
            assertEquals(7, log.recovery().droppedBytes());
            assertRecords(replayAll(log), 1, 5, 100);
        }
    }

    @Test
    void garbageAndZeroFilledTailsAreCut() throws IOException {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER))) {
            appendRange(log, 1, 5, 100);
        }
        StoreFiles.appendBytes(lastSegment(dir), new byte[4096]); // a file system's zero-filled extent
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER))) {
            assertEquals(RecoveryReport.Reason.CRC_MISMATCH, log.recovery().damage().orElseThrow().reason());
            assertEquals(4096, log.recovery().droppedBytes());
            assertRecords(replayAll(log), 1, 5, 100);
            log.append(6, payload(6, 100));
        }
        StoreFiles.appendBytes(lastSegment(dir), payload(12345, 3000));
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER))) {
            assertFalse(log.recovery().clean());
            assertRecords(replayAll(log), 1, 6, 100);
        }
    }

    @Test
    void corruptRecordInAnEarlierSegmentIsRefusedThenKeptAroundAsANewReplica() throws IOException {
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            appendRange(log, 1, 300, 100);
        }
        List<Path> before = segments(dir);
        assertTrue(before.size() >= 4);
        Path victim = before.get(1);
        long firstInVictim = Long.parseLong(victim.getFileName().toString().substring(0, 20));
        long firstInNext = Long.parseLong(before.get(2).getFileName().toString().substring(0, 20));
        // flip a payload byte of the victim's third record: header, then records
        long offset = LogFormat.SEGMENT_HEADER_BYTES;
        byte[][] recs = {payload(firstInVictim, 100), payload(firstInVictim + 1, 100), payload(firstInVictim + 2, 100)};
        offset += 16 + recs[0].length + 16 + recs[1].length;
        StoreFiles.flipByte(victim, offset + 16 + recs[2].length / 2 + (recs[2].length == 0 ? 4 : 0));
        byte[] damaged = Files.readAllBytes(victim);
        // The records after the damage were complete (a later segment follows them): a hole, refused.
        StoreGapException e = assertThrows(StoreGapException.class, () -> DeltaLog.open(smallSegments(FsyncPolicy.NEVER)));
        assertEquals(1, e.gaps().size());
        assertEquals(firstInVictim + 2, e.gaps().get(0).from());
        assertEquals(firstInNext - 1, e.gaps().get(0).to());
        RecoveryReport.Damage d = e.damages().get(0);
        assertEquals(victim, d.segment());
        assertEquals(offset, d.offset());
        assertEquals(RecoveryReport.Reason.CRC_MISMATCH, d.reason());
        assertTrue(e.getMessage().contains(victim.getFileName().toString()), e.getMessage());
        assertArrayEquals(damaged, Files.readAllBytes(victim), "nothing changed");
        assertEquals(before, segments(dir));
        // As a new replica: every readable record, the damaged segment cut and its original set aside.
        StoreConfig asNew = StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.NEVER).segmentBytes(4096)
                .recoverAsNewReplica(io.converge.crdt.causal.ReplicaId.of("n2")).build();
        try (DeltaLog log = DeltaLog.open(asNew)) {
            RecoveryReport r = log.recovery();
            assertEquals(List.of(e.gaps().get(0)), r.acceptedGaps());
            assertEquals(victim, r.quarantined().get(0).original());
            assertArrayEquals(damaged, Files.readAllBytes(r.quarantined().get(0).quarantined()));
            assertEquals(offset, Files.size(victim));
            List<StoreFiles.Entry> got = replayAll(log);
            assertRecords(got.subList(0, (int) (firstInVictim + 1)), 1, firstInVictim + 1, 100);
            assertRecords(got.subList((int) (firstInVictim + 1), got.size()), firstInNext, 300, 100);
            log.append(301, payload(301, 100));
        }
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            assertTrue(log.recovery().clean(), "the hole was accepted once, on record: " + log.recovery());
            assertEquals(301, log.lastSequence());
        }
    }

    @Test
    void badSegmentHeaderInAnEarlierSegmentIsRefused() throws IOException {
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            appendRange(log, 1, 300, 100);
        }
        List<Path> before = segments(dir);
        StoreFiles.flipByte(before.get(2), 1);
        long firstOfBad = Long.parseLong(before.get(2).getFileName().toString().substring(0, 20));
        long firstOfNext = Long.parseLong(before.get(3).getFileName().toString().substring(0, 20));
        StoreGapException e = assertThrows(StoreGapException.class, () -> DeltaLog.open(smallSegments(FsyncPolicy.NEVER)));
        assertEquals(RecoveryReport.Reason.BAD_SEGMENT_HEADER, e.damages().get(0).reason());
        assertEquals(firstOfBad, e.gaps().get(0).from());
        assertEquals(firstOfNext - 1, e.gaps().get(0).to());
        assertTrue(e.getMessage().contains(before.get(2).getFileName().toString()), e.getMessage());
        assertEquals(before, segments(dir));
    }

    @Test
    void badHeaderOfTheLastSegmentEndsTheLogBeforeItAndSetsItAside() throws IOException {
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            appendRange(log, 1, 300, 100);
        }
        List<Path> before = segments(dir);
        Path last = before.get(before.size() - 1);
        StoreFiles.flipByte(last, 1);
        long firstOfLast = LogFormat.parseSegmentName(last);
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            assertEquals(RecoveryReport.Reason.BAD_SEGMENT_HEADER, log.recovery().damage().orElseThrow().reason());
            assertEquals(1, log.recovery().droppedSegments());
            assertEquals(last, log.recovery().quarantined().get(0).original());
            assertTrue(Files.exists(log.recovery().quarantined().get(0).quarantined()));
            assertRecords(replayAll(log), 1, firstOfLast - 1, 100);
        }
    }

    @Test
    void segmentCutShortInsideItsHeaderIsDropped() throws IOException {
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            appendRange(log, 1, 100, 100);
        }
        Path last = lastSegment(dir);
        long firstOfLast = Long.parseLong(last.getFileName().toString().substring(0, 20));
        StoreFiles.truncate(last, 9);
        try (DeltaLog log = DeltaLog.open(smallSegments(FsyncPolicy.NEVER))) {
            assertEquals(RecoveryReport.Reason.TORN, log.recovery().damage().orElseThrow().reason());
            assertFalse(Files.exists(last));
            assertRecords(replayAll(log), 1, firstOfLast - 1, 100);
            log.append(firstOfLast, payload(firstOfLast, 100));
        }
    }

    @Test
    void secondOpenOfTheSameDirectoryIsRefused() {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER))) {
            log.append(1, new byte[0]);
            StoreException e = assertThrows(StoreException.class, () -> DeltaLog.open(config(FsyncPolicy.NEVER)));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
        DeltaLog.open(config(FsyncPolicy.NEVER)).close(); // released on close
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailTyped() {
        DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER));
        log.append(1, new byte[] {1});
        log.close();
        log.close();
        assertThrows(StoreClosedException.class, () -> log.append(2, new byte[] {2}));
        assertThrows(StoreClosedException.class, log::sync);
        assertThrows(StoreClosedException.class, () -> log.replay(-1, (s, r) -> { }));
        assertThrows(StoreClosedException.class, () -> log.truncateBefore(5));
        ExecutionException e = assertThrows(ExecutionException.class, () -> log.whenDurable(2).get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof StoreClosedException, e.toString());
        assertTrue(log.whenDurable(1).isDone(), "a sequence already durable completes even after close");
    }

    @Test
    void alwaysMakesEachAppendDurableBeforeReturning() {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.ALWAYS))) {
            for (long s = 1; s <= 5; s++) {
                log.append(s, new byte[] {(byte) s});
                assertEquals(s, log.durableSequence());
                assertTrue(log.whenDurable(s).isDone());
            }
        }
    }

    @Test
    void everyMillisFlusherMakesAppendsDurableWithinTheInterval() throws Exception {
        StoreConfig c = config(FsyncPolicy.everyMillis(5));
        try (DeltaLog log = DeltaLog.open(c)) {
            Thread flusher = findThread(FileDeltaLog.FLUSH_THREAD_NAME);
            assertTrue(flusher != null && flusher.isDaemon(), "daemon thread " + FileDeltaLog.FLUSH_THREAD_NAME);
            CompletableFuture<Void> future = log.whenDurable(100);
            assertFalse(future.isDone());
            for (long s = 1; s <= 100; s++) {
                log.append(s, payload(s, 100));
            }
            future.get(10, TimeUnit.SECONDS);
            assertTrue(log.durableSequence() >= 100);
        }
        assertEquals(null, awaitNoThread(FileDeltaLog.FLUSH_THREAD_NAME, Duration.ofSeconds(5)), "flusher stopped");
    }

    @Test
    void neverCountsAppendsAsDurableAndSyncForcesOnDemand() {
        try (DeltaLog log = DeltaLog.open(config(FsyncPolicy.NEVER))) {
            log.append(1, new byte[] {1});
            assertEquals(1, log.durableSequence());
            assertTrue(log.whenDurable(1).isDone());
            CompletableFuture<Void> later = log.whenDurable(2);
            assertFalse(later.isDone());
            log.append(2, new byte[] {2});
            assertTrue(later.isDone());
            assertEquals(2, log.sync());
        }
    }

    @Test
    void pendingDurabilityFuturesFailWhenTheLogCloses() throws Exception {
        DeltaLog log = DeltaLog.open(config(FsyncPolicy.everyMillis(600_000)));
        log.append(1, new byte[] {1});
        CompletableFuture<Void> appended = log.whenDurable(1);
        CompletableFuture<Void> never = log.whenDurable(50);
        log.close();
        appended.get(5, TimeUnit.SECONDS); // close forces what was appended
        ExecutionException e = assertThrows(ExecutionException.class, () -> never.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof StoreClosedException, e.toString());
    }

    private static Thread findThread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst().orElse(null);
    }

    private static Thread awaitNoThread(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread t = findThread(name);
        while (t != null && System.nanoTime() < deadline) {
            Thread.sleep(10);
            t = findThread(name);
        }
        return t;
    }
}
