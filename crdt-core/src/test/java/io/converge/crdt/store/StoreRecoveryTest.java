package io.converge.crdt.store;

import static io.converge.crdt.store.StoreFiles.payload;
import static io.converge.crdt.store.StoreFiles.replayAll;
import static io.converge.crdt.store.StoreFiles.segments;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.ReplicaId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged disks, file by file: what recovery keeps, sets aside, or refuses. Recovery never deletes
 * a file it did not write (other than a torn end of the last segment), never reads past a hole,
 * and a refused open changes nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoreRecoveryTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    @TempDir
    Path dir;

    private StoreConfig.Builder small() {
        return StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.NEVER).segmentBytes(4096);
    }

    /** A record of 180 bytes: 20 fill a segment of 4 KiB. */
    private static byte[] fixed(long sequence) {
        byte[] b = new byte[180];
        ByteBuffer.wrap(b).putLong(sequence);
        return b;
    }

    /** Records 1..120 of 180 bytes: six segments of 20. */
    private void write120() {
        try (DeltaLog log = DeltaLog.open(small().build())) {
            for (long s = 1; s <= 120; s++) {
                log.append(s, fixed(s));
            }
        }
        assertEquals(6, segments(dir).size());
    }

    private static List<Long> sequences(DeltaLog log) {
        List<Long> out = new ArrayList<>();
        log.replay(-1, (s, r) -> out.add(s));
        return out;
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            out.add(s);
        }
        return out;
    }

    // ------------------------------------------------------------------ stray files

    @Test
    void aStrayFileNamedBeforeTheFirstSegmentIsSetAsideAndEveryRecordKept() throws IOException {
        for (byte[] stray : List.of(new byte[0], payload(99, 500))) {
            StoreFiles.deleteRecursively(dir);
            write120();
            int segmentsBefore = segments(dir).size();
            Path file = dir.resolve("log").resolve("00000000000000000000.log");
            Files.write(file, stray);
            // Before: the stray file was judged the first bad record and all 120 records deleted.
            try (DeltaLog log = DeltaLog.open(small().build())) {
                assertEquals(range(1, 120), sequences(log));
                RecoveryReport r = log.recovery();
                assertEquals(1, r.quarantined().size());
                assertEquals(file, r.quarantined().get(0).original());
                assertArrayEquals(stray, Files.readAllBytes(r.quarantined().get(0).quarantined()));
                assertTrue(r.quarantined().get(0).quarantined().startsWith(dir.resolve("quarantine")));
                assertFalse(Files.exists(file));
                assertEquals(segmentsBefore, segments(dir).size());
                assertEquals(stray.length == 0 ? RecoveryReport.Reason.TORN : RecoveryReport.Reason.BAD_SEGMENT_HEADER,
                        r.damage().orElseThrow().reason());
            }
        }
    }

    @Test
    void aStrayFileIsSetAsideByALocalStoreToo() throws IOException {
        write120();
        Files.write(dir.resolve("log").resolve("00000000000000000000.log"), new byte[0]);
        try (LocalStore store = LocalStore.open(small().build(), A)) {
            List<Long> seqs = new ArrayList<>();
            assertEquals(120, store.recover(s -> { }, (s, r) -> seqs.add(s)));
            assertEquals(range(1, 120), seqs);
            assertEquals(1, store.recovery().quarantined().size());
            assertFalse(store.recovery().clean());
        }
    }

    // ------------------------------------------------------------------ holes in the log

    @Test
    void aDeletedMiddleSegmentIsRefusedNamingTheMissingSequencesAndFiles() throws IOException {
        write120();
        List<Path> segs = segments(dir);
        Path gone = segs.get(2);
        Files.delete(gone);
        // Before: the later segments were replayed past the hole (97 of 120), the report clean.
        StoreGapException e = assertThrows(StoreGapException.class, () -> DeltaLog.open(small().build()));
        assertEquals(1, e.gaps().size());
        assertEquals(LogFormat.parseSegmentName(gone), e.gaps().get(0).from());
        assertEquals(LogFormat.parseSegmentName(segs.get(3)) - 1, e.gaps().get(0).to());
        assertTrue(e.getMessage().contains(segs.get(1).getFileName().toString())
                && e.getMessage().contains(segs.get(3).getFileName().toString()), e.getMessage());
        assertEquals(List.of(), e.damages());
        StoreGapException viaStore = assertThrows(StoreGapException.class, () -> LocalStore.open(small().build(), A));
        assertEquals(e.gaps(), viaStore.gaps());
        assertFalse(Files.exists(dir.resolve("IDENTITY")), "a refused open writes nothing, not even the identity");
    }

    @Test
    void aMiddleSegmentCutAtARecordBoundaryIsRefused() throws IOException {
        write120();
        List<Path> segs = segments(dir);
        Path victim = segs.get(2);
        long first = LogFormat.parseSegmentName(victim);
        StoreFiles.truncate(victim, LogFormat.SEGMENT_HEADER_BYTES + 2 * (16 + 180));
        // Before: it read cleanly as a shorter segment and the log went on past the hole.
        StoreGapException e = assertThrows(StoreGapException.class, () -> DeltaLog.open(small().build()));
        assertEquals(first + 2, e.gaps().get(0).from());
        assertEquals(LogFormat.parseSegmentName(segs.get(3)) - 1, e.gaps().get(0).to());
    }

    @Test
    void theLogAloneSeesADamagedFirstSegmentAsAHole() throws IOException {
        write120();
        Path first = segments(dir).get(0);
        StoreFiles.flipByte(first, 3);
        StoreGapException e = assertThrows(StoreGapException.class, () -> DeltaLog.open(small().build()));
        assertEquals(1, e.gaps().get(0).from());
        assertTrue(e.getMessage().contains(first.getFileName().toString()), e.getMessage());
    }

    // ------------------------------------------------------------------ damage inside the last segment

    /** The offset of record {@code s} (1..120, as {@link #write120} wrote it) in its segment. */
    private static long offsetOf(long s) {
        return LogFormat.SEGMENT_HEADER_BYTES + (s - 1) % 20 * (16 + 180);
    }

    @Test
    void aFlippedByteInAMiddleRecordOfTheLastSegmentIsRefusedNamingTheLostRange() throws IOException {
        write120();
        Path last = segments(dir).get(5); // records 101..120
        StoreFiles.flipByte(last, offsetOf(110) + 16 + 50);
        byte[] before = Files.readAllBytes(last);
        // Before: recovery kept 101..109 and cut 111..120, records that were acknowledged, as a torn tail.
        StoreGapException e = assertThrows(StoreGapException.class, () -> DeltaLog.open(small().build()));
        assertEquals(1, e.gaps().size(), e.getMessage());
        assertEquals(110, e.gaps().get(0).from());
        assertEquals(110, e.gaps().get(0).to());
        assertEquals(last, e.damages().get(0).segment());
        assertEquals(offsetOf(110), e.damages().get(0).offset());
        assertEquals(RecoveryReport.Reason.CRC_MISMATCH, e.damages().get(0).reason());
        assertTrue(e.getMessage().contains(last.getFileName() + " is damaged from offset " + offsetOf(110) + " to "
                + offsetOf(111)), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(last), "a refused open changes nothing");
        assertFalse(Files.exists(dir.resolve("quarantine")));
        StoreGapException viaStore = assertThrows(StoreGapException.class, () -> LocalStore.open(small().build(), A));
        assertEquals(e.gaps(), viaStore.gaps());
    }

    @Test
    void aFlippedLengthInAMiddleRecordOfTheLastSegmentIsRefusedToo() throws IOException {
        write120();
        Path last = segments(dir).get(5);
        // The length's high byte: the record now seems to run past the end of the file, as a torn one does.
        StoreFiles.flipByte(last, offsetOf(117));
        StoreGapException e = assertThrows(StoreGapException.class, () -> DeltaLog.open(small().build()));
        assertEquals(List.of(117L, 117L), List.of(e.gaps().get(0).from(), e.gaps().get(0).to()));
        assertEquals(RecoveryReport.Reason.TORN, e.damages().get(0).reason());
    }

    @Test
    void aLastSegmentWithHolesOpenedAsANewReplicaKeepsEveryRecordAfterThem() throws IOException {
        write120();
        Path last = segments(dir).get(5);
        long size = Files.size(last);
        StoreFiles.flipByte(last, offsetOf(101) + 8); // the very first record of the segment
        StoreFiles.flipByte(last, offsetOf(112) + 16 + 3);
        StoreFiles.flipByte(last, offsetOf(113) + 16 + 3);
        StoreGapException e = assertThrows(StoreGapException.class, () -> DeltaLog.open(small().build()));
        assertEquals(List.of(101L, 112L), e.gaps().stream().map(RecoveryReport.Gap::from).toList());
        assertEquals(List.of(101L, 113L), e.gaps().stream().map(RecoveryReport.Gap::to).toList());
        List<Long> kept = range(1, 100);
        kept.addAll(range(102, 111));
        kept.addAll(range(114, 120));
        try (DeltaLog log = DeltaLog.open(small().recoverAsNewReplica(B).build())) {
            assertEquals(kept, sequences(log));
            RecoveryReport r = log.recovery();
            assertEquals(e.gaps(), r.acceptedGaps());
            assertEquals(3 * (16 + 180), r.droppedBytes());
            assertEquals(1, r.quarantined().size());
            assertEquals(last, r.quarantined().get(0).original());
            assertEquals(size, Files.size(r.quarantined().get(0).quarantined()), "the original is set aside whole");
            log.append(121, fixed(121));
        }
        kept.add(121L);
        try (DeltaLog log = DeltaLog.open(small().build())) {
            assertTrue(log.recovery().clean(), log.recovery().toString());
            assertEquals(kept, sequences(log));
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.resolve("log"), "*" + Recovery.REWRITE_SUFFIX)) {
            assertFalse(files.iterator().hasNext(), "no temporary file is left behind");
        }
    }

    @Test
    void aFlippedByteInTheLastRecordKeepsThePrefixAsBefore() throws IOException {
        write120();
        Path last = segments(dir).get(5);
        StoreFiles.flipByte(last, offsetOf(120) + 16 + 7);
        try (DeltaLog log = DeltaLog.open(small().build())) {
            assertEquals(range(1, 119), sequences(log));
            assertEquals(1, log.recovery().quarantined().size(), "a damaged, not torn, tail is copied aside first");
        }
    }

    @Test
    void aZeroFilledOrTruncatedTailOfTheLastSegmentIsCutAsBefore() throws IOException {
        write120();
        Path last = segments(dir).get(5);
        // Zeros from inside record 118 to the end, as a file system shows unwritten extents.
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            long from = offsetOf(118) + 6; // inside its CRC
            ch.write(ByteBuffer.allocate((int) (Files.size(last) - from)), from);
        }
        try (DeltaLog log = DeltaLog.open(small().build())) {
            assertEquals(range(1, 117), sequences(log));
            log.append(118, fixed(118));
        }
        StoreFiles.truncate(last, Files.size(last) - 100); // a record torn by a crash
        try (DeltaLog log = DeltaLog.open(small().build())) {
            assertEquals(range(1, 117), sequences(log));
            assertEquals(RecoveryReport.Reason.TORN, log.recovery().damage().orElseThrow().reason());
            assertTrue(log.recovery().quarantined().isEmpty(), "a torn tail is the trace of a crash: cut, not kept");
        }
    }

    // ------------------------------------------------------------------ snapshots

    /** Records 0..399, a snapshot at 387 that truncates the log behind it. */
    private StoreConfig storeWithSnapshot() {
        StoreConfig c = small().build();
        try (LocalStore store = LocalStore.open(c, A)) {
            for (long s = 0; s < 400; s++) {
                store.append(s, fixed(s));
                if (s == 387) {
                    store.snapshot(387, "state@387".getBytes());
                }
            }
        }
        return c;
    }

    @Test
    void aLostOrDamagedSnapshotIsRefusedAndCanBeRecoveredAsANewReplica() throws IOException {
        for (String how : List.of("deleted", "flipped", "truncated")) {
            StoreFiles.deleteRecursively(dir);
            StoreConfig c = storeWithSnapshot();
            long firstKept;
            try (DeltaLog log = DeltaLog.open(c)) {
                firstKept = log.firstSequence();
            }
            assertTrue(firstKept > 0 && firstKept <= 388, "the log was truncated behind the snapshot: " + firstKept);
            Path snap = c.snapshotDirectory().resolve(FileSnapshotStore.fileName(387));
            switch (how) {
                case "deleted" -> Files.delete(snap);
                case "flipped" -> StoreFiles.flipByte(snap, 30);
                default -> StoreFiles.truncate(snap, 20);
            }
            // Before: recover() said last = 399 and replayed only the log's tail, no exception.
            StoreGapException e = assertThrows(StoreGapException.class, () -> LocalStore.open(c, A), how);
            assertEquals(0, e.gaps().get(0).from(), e.getMessage());
            assertEquals(firstKept - 1, e.gaps().get(0).to(), e.getMessage());
            assertEquals(how.equals("deleted") ? 0 : 1, e.damages().size(), e.getMessage());
            if (!how.equals("deleted")) {
                assertEquals(RecoveryReport.Reason.BAD_SNAPSHOT, e.damages().get(0).reason());
                assertTrue(e.getMessage().contains(snap.getFileName().toString()), e.getMessage());
                assertTrue(Files.exists(snap), "nothing changed");
            }
            StoreConfig asB = small().recoverAsNewReplica(B).build();
            try (LocalStore store = LocalStore.open(asB, B)) {
                List<Long> seqs = new ArrayList<>();
                assertEquals(399, store.recover(s -> { throw new AssertionError("no snapshot is left"); },
                        (s, r) -> seqs.add(s)));
                assertEquals(range(firstKept, 399), seqs);
                StoreRecoveryReport r = store.recovery();
                assertTrue(r.recoveredAsNewReplica());
                assertEquals(A, r.previousReplicaId().orElseThrow());
                assertEquals(B, store.replicaId().orElseThrow());
                assertEquals(1, r.acceptedGaps().size());
                assertEquals(how.equals("deleted") ? 0 : 1, r.quarantined().size());
                assertFalse(Files.exists(snap));
                store.append(400, new byte[] {1});
            }
            try (LocalStore store = LocalStore.open(small().build(), B)) {
                assertTrue(store.recovery().clean(), store.recovery().summary());
                assertEquals(400, store.recover(s -> { }, (s, r) -> { }));
            }
        }
    }

    @Test
    void theNewIdMustDifferFromTheStoredOneAndNewDamageIsRefusedAgain() throws IOException {
        write120();
        try (LocalStore store = LocalStore.open(small().build(), A)) {
            store.recover(s -> { }, (s, r) -> { });
        }
        Files.delete(segments(dir).get(2));
        assertThrows(StoreGapException.class, () -> LocalStore.open(small().recoverAsNewReplica(A).build(), A),
                "recovering as the same id is no recovery");
        assertThrows(IllegalArgumentException.class, () -> LocalStore.open(small().recoverAsNewReplica(B).build(), A));
        try (LocalStore store = LocalStore.open(small().recoverAsNewReplica(B).build(), B)) {
            assertEquals(120, store.recover(s -> { }, (s, r) -> { }));
            for (long s = 121; s <= 200; s++) {
                store.append(s, fixed(s));
            }
        }
        // Later damage, above what was accepted, is refused again even with the option in place.
        List<Path> segs = segments(dir);
        Path later = segs.stream().filter(p -> LogFormat.parseSegmentName(p) > 121).findFirst().orElseThrow();
        assertNotEquals(segs.get(segs.size() - 1), later);
        Files.delete(later);
        assertThrows(StoreGapException.class, () -> LocalStore.open(small().recoverAsNewReplica(B).build(), B));
        assertThrows(StoreGapException.class, () -> LocalStore.open(small().build(), B));
    }

    // ------------------------------------------------------------------ identity

    @Test
    void theFirstOpenWithAnIdKeepsItAndAnotherIdIsRefused() throws IOException {
        StoreConfig c = small().build();
        assertTrue(LocalStore.storedReplicaId(dir).isEmpty());
        try (LocalStore store = LocalStore.open(c, A)) {
            assertTrue(store.recovery().identityCreated());
            assertTrue(store.recovery().clean());
            store.append(1, new byte[] {1});
        }
        assertEquals(A, LocalStore.storedReplicaId(dir).orElseThrow());
        assertTrue(Files.readString(dir.resolve("IDENTITY")).contains("replica-id a\n"));
        ReplicaIdMismatchException e = assertThrows(ReplicaIdMismatchException.class, () -> LocalStore.open(c, B));
        assertEquals(A, e.storedId());
        assertEquals(B, e.requestedId());
        assertTrue(e.getMessage().contains("replica a, not b"), e.getMessage());
        try (LocalStore store = LocalStore.open(c)) {
            assertEquals(A, store.replicaId().orElseThrow());
            assertFalse(store.recovery().identityCreated());
        }
        try (LocalStore store = LocalStore.open(c, A)) {
            assertEquals(1, store.recover(s -> { }, (s, r) -> { }));
        }
    }

    @Test
    void replicaIdForCreatesARandomIdOnceAndKeepsIt() {
        ReplicaId first = LocalStore.replicaIdFor(dir);
        assertEquals(first, LocalStore.replicaIdFor(dir));
        assertEquals(first, LocalStore.storedReplicaId(dir).orElseThrow());
        assertNotEquals(first, LocalStore.replicaIdFor(dir.resolve("other")));
        try (LocalStore store = LocalStore.open(small().build(), first)) {
            assertFalse(store.recovery().identityCreated());
        }
    }

    @Test
    void anUnreadableIdentityIsRefusedUntilTheStoreBecomesANewReplica() throws IOException {
        try (LocalStore store = LocalStore.open(small().build(), A)) {
            store.append(1, new byte[] {1});
        }
        Path identity = dir.resolve("IDENTITY");
        Files.writeString(identity, Files.readString(identity).replace("replica-id a", "replica-id q"));
        StoreIdentityException e = assertThrows(StoreIdentityException.class, () -> LocalStore.open(small().build(), A));
        assertFalse(e instanceof ReplicaIdMismatchException);
        assertThrows(StoreIdentityException.class, () -> LocalStore.storedReplicaId(dir));
        try (LocalStore store = LocalStore.open(small().recoverAsNewReplica(B).build(), B)) {
            assertTrue(store.recovery().recoveredAsNewReplica());
            assertTrue(store.recovery().previousReplicaId().isEmpty());
            assertEquals(1, store.recover(s -> { }, (s, r) -> { }));
            assertTrue(store.recovery().quarantined().get(0).original().equals(identity));
        }
        assertEquals(B, LocalStore.storedReplicaId(dir).orElseThrow());
    }

    // ------------------------------------------------------------------ format

    @Test
    void version1SegmentsAreStillRead() throws IOException {
        Path log = dir.resolve("log");
        Files.createDirectories(log);
        for (long first : new long[] {0, 3}) {
            ByteBuffer b = ByteBuffer.allocate(16 + 3 * (16 + 4));
            b.putInt(LogFormat.SEGMENT_MAGIC).putInt(1).putLong(first);
            for (long s = first; s < first + 3; s++) {
                byte[] p = {1, 2, 3, (byte) s};
                CRC32C crc = new CRC32C();
                crc.update(ByteBuffer.allocate(8).putLong(0, s).array(), 0, 8);
                crc.update(p, 0, p.length);
                b.putInt(p.length).putInt((int) crc.getValue()).putLong(s).put(p);
            }
            Files.write(log.resolve(LogFormat.segmentName(first)), b.array());
        }
        try (DeltaLog l = DeltaLog.open(small().build())) {
            assertTrue(l.recovery().clean(), l.recovery().toString());
            assertEquals(range(0, 5), sequences(l));
            l.append(6, new byte[] {6}); // continues the version 1 segment
        }
        try (LocalStore store = LocalStore.open(small().build(), A)) {
            assertEquals(6, store.recover(s -> { }, (s, r) -> { }));
        }
        Files.delete(log.resolve(LogFormat.segmentName(0)));
        // Between version 1 segments, contiguous sequences stand in for the missing link; at the
        // start of a store with no snapshot, nothing can be checked.
        try (LocalStore store = LocalStore.open(small().build(), A)) {
            assertEquals(6, store.recover(s -> { }, (s, r) -> { }));
        }
    }

    @Test
    void aRefusedOpenReleasesTheDirectory() throws IOException {
        write120();
        Files.delete(segments(dir).get(2));
        assertThrows(StoreGapException.class, () -> DeltaLog.open(small().build()));
        try (DeltaLog log = DeltaLog.open(small().recoverAsNewReplica(B).build())) {
            assertEquals(100, replayAll(log).size());
        }
    }
}
