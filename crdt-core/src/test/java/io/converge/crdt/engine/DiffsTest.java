package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.BinaryCodec;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Changes between two full states (no keyed delta, or a keyed one that names every item, as a
 * transfer delivers) of sets and maps come from a walk of the entries that differ
 * ({@code HashTrie.forEachDifference}); they must be exactly the changes, also when the two
 * states share no object (one decoded from the other's encoding).
 */
class DiffsTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final CodecLimits WIDE = CodecLimits.builder().maxFrameBytes(64 << 20).maxElements(1 << 20).build();

    @Test
    void changesBetweenTwoLargeSetStatesAreTheAddedAndRemovedElements() {
        ORSet<String> before = ORSet.empty();
        for (int i = 0; i < 20_000; i++) {
            before = before.join(before.add(i % 2 == 0 ? A : B, "e" + i));
        }
        BinaryCodec<ORSet<String>> codec = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.string()), WIDE);
        ORSet<String> after = codec.decode(codec.encodeToBytes(before));
        Set<Change> expected = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            after = after.join(after.add(B, "new" + i));
            expected.add(new Change.Added("new" + i, "new" + i));
            after = after.join(after.remove("e" + (i * 397)));
            expected.add(new Change.Removed("e" + (i * 397), "e" + (i * 397)));
        }
        // Re-adding an element that is present changes its dots, not the set: no change.
        after = after.join(after.add(A, "e1"));
        List<Change> changes = Diffs.between(before, after, null);
        assertEquals(expected, new HashSet<>(changes));
        assertEquals(expected.size(), changes.size());
    }

    @Test
    void changesBetweenTwoLwwMapStatesAreThePutsAndRemovals() {
        long[] now = {1_700_000_000_000L};
        HybridLogicalClock clock = HybridLogicalClock.of(() -> now[0]++, HybridLogicalClock.DEFAULT_MAX_OFFSET_MILLIS,
                HlcTimestamp.ZERO);
        AWLWWMap<String, String> before = AWLWWMap.empty();
        for (int i = 0; i < 5_000; i++) {
            before = before.join(before.put(A, clock, "k" + i, "v" + i));
        }
        BinaryCodec<AWLWWMap<String, String>> codec =
                BinaryCodec.of(CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.string()), WIDE);
        AWLWWMap<String, String> after = codec.decode(codec.encodeToBytes(before));
        after = after.join(after.put(B, clock, "k7", "changed"));
        after = after.join(after.put(B, clock, "k8", "v8")); // same value, new stamp: no change
        after = after.join(after.remove("k9"));
        after = after.join(after.put(B, clock, "fresh", "x"));
        Set<Change> expected = Set.of(new Change.Updated("k7", "v7", "changed"), new Change.Removed("k9", "v9"),
                new Change.Added("fresh", "x"));
        assertEquals(expected, new HashSet<>(Diffs.between(before, after, null)));
    }

    @Test
    void aKeyedFullSetStateAsATransferDeliversItGivesExactlyTheChanges() {
        ORSet<String> before = ORSet.empty();
        for (int i = 0; i < 20_000; i++) {
            before = before.join(before.add(A, "e" + i));
        }
        // Built by mutators and joins, the peer's state is keyed: its names are all its elements.
        ORSet<String> peer = before.join(before.add(B, "new")).join(before.remove("e77"));
        ORSet<String> after = before.join(peer);
        Set<Change> expected = Set.of(new Change.Added("new", "new"), new Change.Removed("e77", "e77"));
        List<Change> changes = Diffs.between(before, after, peer);
        assertEquals(expected, new HashSet<>(changes));
        assertEquals(expected.size(), changes.size());
    }

    @Test
    void aFullMapOfSetsStateReportsOnlyTheNestedValueThatChangedNotEveryKeyUnderTheNewContext() {
        ORMap<String, ORSet<String>> before = ORMap.empty(ORSet.<String>empty());
        for (int i = 0; i < 100; i++) {
            before = before.join(before.apply("k" + i, s -> s.add(A, "e")));
        }
        ORMap<String, ORSet<String>> peer = before.join(before.apply("k5", s -> s.add(B, "x")));
        ORMap<String, ORSet<String>> after = before.join(peer);
        for (ORMap<String, ORSet<String>> delta : java.util.Arrays.asList(null, peer)) {
            List<Change> changes = Diffs.between(before, after, delta);
            assertEquals(List.of(new Change.Updated("k5", before.get("k5").orElseThrow(),
                    after.get("k5").orElseThrow())), changes, "delta " + (delta == null ? "none" : "the peer's state"));
        }
    }
}
