package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.AWLWWMap;
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
 * Changes between two full states (no keyed delta) of sets and LWW maps come from a walk of the
 * entries that differ ({@code HashTrie.forEachDifference}); they must be exactly the changes, also
 * when the two states share no object (one decoded from the other's encoding).
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
}
