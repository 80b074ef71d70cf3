package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.LWWRegister;
import io.converge.crdt.ORSet;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.store.FsyncPolicy;
import io.converge.crdt.store.LocalStore;
import io.converge.crdt.store.RecoveryReport;
import io.converge.crdt.store.ReplicaIdMismatchException;
import io.converge.crdt.store.StoreConfig;
import io.converge.crdt.store.StoreGapException;
import io.converge.crdt.store.StoreRecoveryReport;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A durable replicator never locks its user out of a store it accepted, never comes back from a
 * damaged store silently short of what it had acknowledged, and never issues a dot twice: it
 * refuses such a store ({@link StoreGapException}) until it is deliberately started as a new
 * replica, and says what recovery found ({@link Replicator#recovery()}, {@link ReplicatorEvent.Recovered}).
 */
@Timeout(120)
class DurableStoreRecoveryTest {
    private static final Key<ORSet<String>> SET = Key.of("set", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    @TempDir
    Path dir;

    private static CodecRegistry codecs() {
        return CodecRegistry.of(CrdtCodecs.orSet(ValueCodec.string()), CrdtCodecs.lwwRegister(ValueCodec.string()));
    }

    private static ReplicatorConfig.Builder node(ReplicaId id, StoreConfig store) {
        return ReplicatorConfig.builder(id).store(store).codecs(codecs()).updateTimeout(Duration.ofSeconds(60));
    }

    /** Small segments, so 300 updates make many; no snapshot unless asked. */
    private StoreConfig.Builder small() {
        return StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.NEVER).segmentBytes(4096);
    }

    private static Set<Dot> dotsOf(ORSet<String> set) {
        Set<Dot> dots = new HashSet<>();
        for (String e : set.value()) {
            dots.addAll(set.dotsOf(e));
        }
        return dots;
    }

    /** Adds e0..e(n-1), one update each; returns every dot issued. */
    private static Set<Dot> addAll(Replicator r, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            String e = prefix + i;
            r.update(SET, (s, ctx) -> s.add(ctx.self(), e));
        }
        return dotsOf(r.get(SET).orElseThrow());
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("log"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().collect(Collectors.toList());
        }
    }

    private List<Path> files(String sub) throws IOException {
        Path d = dir.resolve(sub);
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).collect(Collectors.toList());
        }
    }

    // ------------------------------------------------------------------ finding 1: it always reopens

    @Test
    void aStoreWhoseSnapshotIsOverTheNetworkLimitsReopensWithTheDefaultConfiguration() {
        int n = 110_000;
        StoreConfig store = StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.NEVER).build();
        try (Replicator r = Replicator.start(node(A, store).build())) {
            for (int i = 0; i < n; i++) {
                String e = "e" + i;
                r.update(SET, (s, ctx) -> s.add(ctx.self(), e));
            }
        }
        assertTrue(snapshotBytes() > CodecLimits.DEFAULT_MAX_FRAME_BYTES,
                "the automatic snapshot is above the network's frame limit: " + snapshotBytes());
        // Before: FrameTooLargeException (frame of ~1.07 MB over 1 MiB; 110,000 > maxElements 100,000).
        try (Replicator again = Replicator.start(node(A, store).build())) {
            assertEquals(n, again.get(SET).orElseThrow().size());
            assertTrue(again.recovery().orElseThrow().snapshotSequence() >= 0, "recovered through the snapshot");
            again.update(SET, (s, ctx) -> s.add(ctx.self(), "one more"));
        }
        try (Replicator third = Replicator.start(node(A, store).build())) {
            assertEquals(n + 1, third.get(SET).orElseThrow().size());
        }
    }

    private long snapshotBytes() {
        try (Stream<Path> s = Files.list(dir.resolve("snapshots"))) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aStoreWrittenUnderRaisedLimitsReopensUnderTheDefaultOnes() {
        Key<LWWRegister<String>> note = Key.of("note", LWWRegister.<String>empty(),
                CrdtCodecs.lwwRegister(ValueCodec.string()));
        String big = "x".repeat(70_000); // over the default maxStringBytes of 64 KiB
        CodecLimits raised = CodecLimits.builder().maxStringBytes(1 << 20).build();
        StoreConfig store = StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.NEVER).snapshotEveryRecords(2).build();
        try (Replicator r = Replicator.start(node(A, store).codecLimits(raised).build())) {
            r.update(note, (v, ctx) -> v.write(ctx.self(), ctx.clock(), big));
            r.update(note, (v, ctx) -> v.write(ctx.self(), ctx.clock(), big + "!")); // a snapshot is due after two
            r.update(note, (v, ctx) -> v.write(ctx.self(), ctx.clock(), big + "!!")); // and one record after it
        }
        try (Replicator again = Replicator.start(node(A, store).build())) { // default limits
            assertEquals(big + "!!", again.get(note).orElseThrow().value().orElseThrow());
            assertTrue(again.recovery().orElseThrow().snapshotSequence() >= 0, "read through a snapshot too");
        }
    }

    // ------------------------------------------------------------------ finding 2: recovery is visible

    @Test
    void whatRecoveryFoundIsReportedAndPublished() throws Exception {
        StoreConfig store = small().build();
        try (Replicator r = Replicator.start(node(A, store).build())) {
            assertTrue(r.recovery().orElseThrow().clean());
            assertTrue(r.recovery().orElseThrow().identityCreated(), "the first start keeps the id in the directory");
            addAll(r, "e", 50);
        }
        Path last = segments().get(segments().size() - 1);
        long size = Files.size(last);
        // A record torn by a crash at the end, then a flipped byte in the record before it.
        Files.write(last, new byte[] {0, 0, 1, 0, 9, 9}, StandardOpenOption.APPEND);
        flipByte(last, size - 3);
        List<ReplicatorEvent> events = new CopyOnWriteArrayList<>();
        try (Replicator again = Replicator.start(node(A, store).eventListener(events::add).build())) {
            StoreRecoveryReport report = again.recovery().orElseThrow();
            assertFalse(report.clean());
            assertEquals(Set.of(A), report.replicaId().stream().collect(Collectors.toSet()));
            RecoveryReport.Damage d = report.log().damage().orElseThrow();
            assertEquals(last, d.segment());
            assertEquals(RecoveryReport.Reason.CRC_MISMATCH, d.reason());
            assertTrue(report.log().droppedBytes() > 6, "the flipped record and the torn one: " + report.log());
            assertEquals(1, report.quarantined().size(), "the cut segment's original is kept aside");
            assertTrue(Files.exists(report.quarantined().get(0).quarantined()));
            assertEquals(size + 6, Files.size(report.quarantined().get(0).quarantined()));
            assertEquals(49, again.get(SET).orElseThrow().size(), "the last segment keeps its exact prefix");
            Await.until("the Recovered event", () -> !events.isEmpty());
            ReplicatorEvent first = events.get(0);
            assertTrue(first instanceof ReplicatorEvent.Recovered, "first event: " + first);
            assertEquals(report, ((ReplicatorEvent.Recovered) first).report());
            assertEquals(A, first.replica());
            assertTrue(report.summary().contains("CRC_MISMATCH"), report.summary());
        }
        try (Replicator memory = Replicator.start(ReplicatorConfig.builder(A).codecs(codecs()).build())) {
            assertTrue(memory.recovery().isEmpty(), "no store, no report");
        }
    }

    // ------------------------------------------------------------------ finding 3: the id lives in the directory

    @Test
    void aStoreRefusesAnotherReplicaIdAndTheDirectoryCanKeepTheId() {
        StoreConfig store = small().build();
        ReplicaId chosen = LocalStore.replicaIdFor(dir);
        assertEquals(chosen, LocalStore.replicaIdFor(dir), "kept");
        try (Replicator r = Replicator.start(node(chosen, store).build())) {
            addAll(r, "e", 3);
        }
        ReplicaIdMismatchException e = assertThrows(ReplicaIdMismatchException.class,
                () -> Replicator.start(node(B, store).build()));
        assertEquals(chosen, e.storedId());
        assertEquals(B, e.requestedId());
        assertTrue(e.getMessage().contains(chosen.name()) && e.getMessage().contains("b"), e.getMessage());
        try (Replicator back = Replicator.start(node(LocalStore.replicaIdFor(dir), store).build())) {
            assertEquals(3, back.get(SET).orElseThrow().size(), "restarted on its directory with its id");
        }
        assertNotEquals(chosen, LocalStore.replicaIdFor(dir.resolve("fresh")), "a fresh directory gets a new id");
    }

    // ------------------------------------------------------------------ finding 4: damaged disks

    @Test
    void aStrayFileBeforeTheFirstSegmentIsSetAsideAndNoDotIsReissued() throws IOException {
        // Snapshots truncate the log, so its first segment no longer starts at 0.
        StoreConfig store = small().snapshotEveryRecords(100).build();
        Set<Dot> issued;
        try (Replicator r = Replicator.start(node(A, store).build())) {
            issued = addAll(r, "e", 250); // snapshots at 100 and 200, the log after them
        }
        assertNotEquals("00000000000000000000.log", segments().get(0).getFileName().toString());
        Path stray = dir.resolve("log").resolve("00000000000000000000.log");
        Files.write(stray, new byte[0]);
        // Before: recovery deleted every segment after the stray file, the replicator came back with
        // the snapshot only (199 of 250), and its next add reused the dot (a,200) it had issued.
        try (Replicator again = Replicator.start(node(A, store).build())) {
            assertEquals(250, again.get(SET).orElseThrow().size());
            StoreRecoveryReport report = again.recovery().orElseThrow();
            assertEquals(1, report.quarantined().size(), report.summary());
            assertEquals(stray, report.quarantined().get(0).original());
            assertFalse(Files.exists(stray));
            Set<Dot> next = new HashSet<>(dotsOf(again.update(SET, (s, ctx) -> s.add(ctx.self(), "new"))));
            next.removeAll(issued);
            assertEquals(1, next.size());
            assertEquals(251, next.iterator().next().counter(), "the next dot is fresh");
        }
    }

    @Test
    void aMissingMiddleSegmentIsRefusedUntilTheStoreIsANewReplicaAndNoDotIsEverReissued() throws IOException {
        StoreConfig store = small().build();
        Set<Dot> issued;
        try (Replicator r = Replicator.start(node(A, store).build())) {
            issued = addAll(r, "e", 300);
        }
        List<Path> segs = segments();
        Path gone = segs.get(segs.size() / 2);
        Files.delete(gone);
        List<Path> before = files("log");
        // Before: replayed past the hole silently and came back with 231 of 300 elements.
        StoreGapException refused = assertThrows(StoreGapException.class, () -> Replicator.start(node(A, store).build()));
        assertTrue(refused.getMessage().contains(segs.get(segs.size() / 2 - 1).getFileName().toString()), refused.getMessage());
        assertEquals(1, refused.gaps().size());
        long firstMissing = Long.parseLong(gone.getFileName().toString().substring(0, 20));
        assertEquals(firstMissing, refused.gaps().get(0).from());
        assertEquals(before, files("log"), "a refused start changes nothing");
        // Recovering as the old id is no recovery.
        StoreConfig sameId = small().recoverAsNewReplica(A).build();
        assertThrows(StoreGapException.class, () -> Replicator.start(node(A, sameId).build()));
        // The operator starts it as a new replica: what can be read is kept, dots are fresh.
        StoreConfig asB = small().recoverAsNewReplica(B).build();
        assertThrows(IllegalArgumentException.class, () -> Replicator.start(node(A, asB).build()));
        Set<Dot> seen = new HashSet<>(issued);
        try (Replicator b = Replicator.start(node(B, asB).build())) {
            StoreRecoveryReport report = b.recovery().orElseThrow();
            assertTrue(report.recoveredAsNewReplica());
            assertEquals(A, report.previousReplicaId().orElseThrow());
            assertEquals(1, report.acceptedGaps().size());
            int kept = b.get(SET).orElseThrow().size();
            assertTrue(kept > 200 && kept < 300, "kept what it could read: " + kept);
            assertFresh(seen, addAll(b, "b", 50), B);
        }
        assertThrows(ReplicaIdMismatchException.class, () -> Replicator.start(node(A, store).build()));
        try (Replicator b = Replicator.start(node(B, store).build())) { // restarted plainly, as B
            assertTrue(b.recovery().orElseThrow().clean(), b.recovery().orElseThrow().summary());
            assertFresh(seen, addAll(b, "c", 50), B);
        }
        try (Replicator b = Replicator.start(node(B, asB).build())) { // the option left in place is harmless
            assertFresh(seen, addAll(b, "d", 10), B);
        }
    }

    @Test
    void aDamagedRecordFollowedByValidOnesInTheLastSegmentIsRefusedUntilTheStoreIsANewReplica() throws IOException {
        StoreConfig store = small().build();
        Set<Dot> issued;
        try (Replicator r = Replicator.start(node(A, store).build())) {
            issued = addAll(r, "e", 300);
        }
        Path last = segments().get(segments().size() - 1);
        long second;
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4);
            ch.read(b, 32);
            second = 32 + 16 + b.getInt(0);
            b.clear();
            ch.read(b, second);
            assertTrue(second + 16 + b.getInt(0) < Files.size(last), "a third record follows the second");
        }
        flipByte(last, second + 12); // inside the second record's sequence: its CRC no longer matches
        List<Path> before = files("log");
        // Before: the second record and every one after it were cut as a torn tail, and their dots issued again.
        StoreGapException refused = assertThrows(StoreGapException.class, () -> Replicator.start(node(A, store).build()));
        long first = Long.parseLong(last.getFileName().toString().substring(0, 20));
        assertEquals(1, refused.gaps().size(), refused.getMessage());
        assertEquals(first + 1, refused.gaps().get(0).from());
        assertEquals(first + 1, refused.gaps().get(0).to());
        assertEquals(second, refused.damages().get(0).offset());
        assertEquals(before, files("log"), "a refused start changes nothing");
        Set<Dot> seen = new HashSet<>(issued);
        try (Replicator b = Replicator.start(node(B, small().recoverAsNewReplica(B).build()).build())) {
            assertEquals(299, b.get(SET).orElseThrow().size(), "every update but the damaged one is kept");
            assertEquals(1, b.recovery().orElseThrow().acceptedGaps().size());
            assertFresh(seen, addAll(b, "b", 50), B);
        }
        try (Replicator b = Replicator.start(node(B, store).build())) {
            assertTrue(b.recovery().orElseThrow().clean(), b.recovery().orElseThrow().summary());
            assertEquals(349, b.get(SET).orElseThrow().size());
        }
    }

    /** Every dot of {@code now} not seen before was minted by {@code by}; none repeats one seen. */
    private static void assertFresh(Set<Dot> seen, Set<Dot> now, ReplicaId by) {
        Set<Dot> fresh = new HashSet<>(now);
        fresh.removeIf(seen::contains);
        for (Dot d : fresh) {
            assertEquals(by, d.replica(), "new dots only under the new id: " + d);
        }
        assertFalse(fresh.isEmpty());
        seen.addAll(fresh);
    }

    @Test
    void aMiddleSegmentCutAtARecordBoundaryIsRefused() throws IOException {
        StoreConfig store = small().build();
        try (Replicator r = Replicator.start(node(A, store).build())) {
            addAll(r, "e", 300);
        }
        List<Path> segs = segments();
        Path victim = segs.get(segs.size() / 2);
        // Cut after the first record: header 32, record header 16, the record's length.
        long firstLength;
        try (FileChannel ch = FileChannel.open(victim, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4);
            ch.read(b, 32);
            firstLength = b.getInt(0);
        }
        try (FileChannel ch = FileChannel.open(victim, StandardOpenOption.WRITE)) {
            ch.truncate(32 + 16 + firstLength);
        }
        StoreGapException refused = assertThrows(StoreGapException.class, () -> Replicator.start(node(A, store).build()));
        long first = Long.parseLong(victim.getFileName().toString().substring(0, 20));
        assertEquals(first + 1, refused.gaps().get(0).from());
        assertTrue(refused.getMessage().contains(victim.getFileName().toString()), refused.getMessage());
    }

    @Test
    void aLostOrDamagedSnapshotIsRefusedUnlessTheLogStillCoversIt() throws IOException {
        for (String damage : List.of("deleted", "flipped", "truncated")) {
            Path d = dir.resolve(damage);
            StoreConfig store = StoreConfig.builder(d).fsyncPolicy(FsyncPolicy.NEVER).segmentBytes(4096)
                    .snapshotEveryRecords(200).build();
            Set<Dot> issued;
            try (Replicator r = Replicator.start(node(A, store).build())) {
                issued = addAll(r, "e", 300);
            }
            Path snap;
            try (Stream<Path> s = Files.list(d.resolve("snapshots"))) {
                snap = s.findFirst().orElseThrow();
            }
            switch (damage) {
                case "deleted" -> Files.delete(snap);
                case "flipped" -> flipByte(snap, Files.size(snap) / 2);
                default -> {
                    try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.WRITE)) {
                        ch.truncate(Files.size(snap) / 2);
                    }
                }
            }
            // Before: came back with the log after the snapshot only (154 of 300), no exception.
            StoreGapException refused = assertThrows(StoreGapException.class,
                    () -> Replicator.start(node(A, store).build()), damage);
            assertEquals(0, refused.gaps().get(0).from(), damage + ": " + refused.getMessage());
            assertEquals(!damage.equals("deleted"), Files.exists(snap), "nothing changed");
            StoreConfig asB = StoreConfig.builder(d).fsyncPolicy(FsyncPolicy.NEVER).segmentBytes(4096)
                    .snapshotEveryRecords(200).recoverAsNewReplica(B).build();
            try (Replicator b = Replicator.start(node(B, asB).build())) {
                StoreRecoveryReport report = b.recovery().orElseThrow();
                assertEquals(damage.equals("deleted") ? 0 : 1, report.snapshotDamages().size(), report.summary());
                assertEquals(!damage.equals("deleted"), report.quarantined().stream()
                        .anyMatch(q -> q.original().equals(snap)), report.summary());
                assertFalse(Files.exists(snap));
                assertFresh(new HashSet<>(issued), addAll(b, "b", 20), B);
            }
        }
    }

    @Test
    void aDamagedSnapshotIsSetAsideWhenTheLogStillHoldsEverything() throws IOException {
        StoreConfig store = small().build();
        try (Replicator r = Replicator.start(node(A, store).build())) {
            addAll(r, "e", 40);
        }
        // A snapshot file the log does not depend on (never truncated behind it), damaged.
        Path snap = dir.resolve("snapshots").resolve(String.format("snapshot-%020d.snap", 10));
        Files.write(snap, new byte[] {1, 2, 3});
        try (Replicator again = Replicator.start(node(A, store).build())) {
            assertEquals(40, again.get(SET).orElseThrow().size());
            StoreRecoveryReport report = again.recovery().orElseThrow();
            assertEquals(RecoveryReport.Reason.BAD_SNAPSHOT, report.snapshotDamages().get(0).reason());
            assertEquals(snap, report.quarantined().get(0).original());
            assertFalse(Files.exists(snap));
        }
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            ch.write(b, offset);
        }
    }
}
