package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.History;
import io.converge.crdt.testing.Replay;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * What wins when operations are concurrent, checked from arbitrary reachable starting states
 * (crdt.md §7.4): two replicas start from the same synced state, act concurrently, then merge.
 */
class SemanticsProperties {
    private static final ReplicaId A = Replay.replicaId(0);
    private static final ReplicaId B = Replay.replicaId(1);

    /** A state both replicas share: the healed result of a random history. */
    private static <S extends ReplicatedData<S>> S synced(S bottom, History<S> h) {
        return Replay.of(bottom, h).healed().get(0);
    }

    @Provide
    Arbitrary<History<ORSet<String>>> sets() {
        return ConvergeArbitraries.histories(ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings()), 2, 30);
    }

    @Property
    void concurrentAddAndRemoveOfTheSameElementKeepIt(@ForAll("sets") History<ORSet<String>> h,
            @ForAll("element") String e) {
        ORSet<String> base = synced(ORSet.empty(), h);
        ORSet<String> added = base.join(base.add(A, e));
        ORSet<String> removed = base.join(base.remove(e));
        assertTrue(added.join(removed).contains(e));
        assertTrue(removed.join(added).contains(e));
    }

    @Property
    void aRemoveThatObservedEveryAddRemoves(@ForAll("sets") History<ORSet<String>> h, @ForAll("element") String e) {
        ORSet<String> base = synced(ORSet.empty(), h);
        ORSet<String> withE = base.join(base.add(A, e));
        ORSet<String> atB = base.join(withE);
        ORSet<String> removed = atB.join(atB.remove(e));
        assertFalse(withE.join(removed).contains(e));
    }

    @Property
    void applyingARemoveBeforeItsAddStillRemoves(@ForAll("sets") History<ORSet<String>> h, @ForAll("element") String e) {
        ORSet<String> base = synced(ORSet.empty(), h);
        ORSet<String> addDelta = base.add(A, e);
        ORSet<String> afterAdd = base.join(addDelta);
        ORSet<String> removeDelta = afterAdd.remove(e);
        ORSet<String> elsewhere = base.join(removeDelta).join(addDelta);
        assertFalse(elsewhere.contains(e));
        assertEquals(afterAdd.join(removeDelta), elsewhere);
    }

    @Provide
    Arbitrary<String> element() {
        return ConvergeArbitraries.smallStrings();
    }

    @Provide
    Arbitrary<History<AWLWWMap<String, Integer>>> maps() {
        return ConvergeArbitraries.histories(ConvergeArbitraries.awlwwMapOperations(ConvergeArbitraries.smallStrings(),
                Arbitraries.integers().between(0, 9)), 2, 30);
    }

    @Property
    void aPutConcurrentWithARemoveKeepsTheKeyWithThePutValue(@ForAll("maps") History<AWLWWMap<String, Integer>> h,
            @ForAll("element") String k) {
        AWLWWMap<String, Integer> base = synced(AWLWWMap.empty(), h);
        HybridLogicalClock clock = HybridLogicalClock.of(() -> Replay.START_MILLIS + 10_000, 500, HlcTimestamp.ZERO);
        AWLWWMap<String, Integer> put = base.put(A, clock, k, 42);
        AWLWWMap<String, Integer> remove = base.remove(k);
        assertEquals(42, base.join(remove).join(put).get(k).orElseThrow());
        assertEquals(42, base.join(put).join(remove).get(k).orElseThrow());
    }

    @Property
    void aCausallyLaterWriteWinsEvenFromABehindClock(@ForAll("skew") long behindMillis, @ForAll int v1, @ForAll int v2) {
        long now = 1_700_000_000_000L;
        HybridLogicalClock ahead = HybridLogicalClock.of(() -> now, 500, HlcTimestamp.ZERO);
        HybridLogicalClock behind = HybridLogicalClock.of(() -> now - behindMillis, 500, HlcTimestamp.ZERO);
        LWWRegister<Integer> first = LWWRegister.<Integer>empty().write(A, ahead, v1);
        LWWRegister<Integer> seenByB = LWWRegister.<Integer>empty().join(first);
        LWWRegister<Integer> second = seenByB.write(B, behind, v2);
        assertEquals(v2, first.join(second).value().orElseThrow(), "B read A's value and overwrote it");
        assertEquals(v2, second.join(first).value().orElseThrow());
    }

    @Provide
    Arbitrary<Long> skew() {
        // Up to the clock's offset bound: a stamp further ahead is not absorbed (crdt.md §4).
        return Arbitraries.longs().between(0, 500);
    }

    @net.jqwik.api.Example
    void aWriterBehindByMoreThanTheOffsetBoundLosesUntilItsClockCatchesUp() {
        // The documented caveat: the clock refuses to absorb a stamp more than 500 ms ahead, so
        // this causally later write loses; the refusal is visible to the caller via observe().
        long now = 1_700_000_000_000L;
        HybridLogicalClock ahead = HybridLogicalClock.of(() -> now, 500, HlcTimestamp.ZERO);
        HybridLogicalClock behind = HybridLogicalClock.of(() -> now - 2_000, 500, HlcTimestamp.ZERO);
        LWWRegister<Integer> first = LWWRegister.<Integer>empty().write(A, ahead, 1);
        assertFalse(behind.observe(first.timestamp()));
        LWWRegister<Integer> second = first.write(B, behind, 2);
        assertEquals(1, first.join(second).value().orElseThrow());
    }

    @Property
    void concurrentRegisterWritesAllSurviveUntilOneObservesThem(@ForAll int v1, @ForAll int v2, @ForAll int v3) {
        MVRegister<Integer> base = MVRegister.empty();
        MVRegister<Integer> a = base.write(A, v1);
        MVRegister<Integer> b = base.write(B, v2);
        MVRegister<Integer> both = a.join(b);
        assertEquals(new java.util.HashSet<>(List.of(v1, v2)), both.value());
        assertEquals(Set.of(v3), both.join(both.write(A, v3)).value());
    }

    @Property
    void enableWinsAndDisableWinsFlagsResolveConcurrencyOppositely(@ForAll boolean startEnabled) {
        EWFlag ew = EWFlag.empty();
        ew = startEnabled ? ew.join(ew.enable(A)) : ew;
        assertTrue(ew.join(ew.enable(A)).join(ew.disable()).value(), "enable ∥ disable → enabled");
        DWFlag dw = DWFlag.empty();
        dw = startEnabled ? dw : dw.join(dw.disable(A));
        assertFalse(dw.join(dw.disable(A)).join(dw.enable()).value(), "disable ∥ enable → disabled");
    }

    @Property
    void aNestedCounterKeepsBothConcurrentIncrements(@ForAll("amount") long x, @ForAll("amount") long y) {
        ORMap<String, CausalCounter> m = ORMap.empty(CausalCounter.empty());
        ORMap<String, CausalCounter> a = m.apply("k", c -> c.increment(A, x));
        ORMap<String, CausalCounter> b = m.apply("k", c -> c.increment(B, y));
        assertEquals(x + y, m.join(a).join(b).get("k").orElseThrow().value());
    }

    @Provide
    Arbitrary<Long> amount() {
        return Arbitraries.longs().between(1, 1_000_000);
    }

    @Property
    void theCounterValueIsIncrementsMinusDecrementsInAnyDeliveryOrder(@ForAll List<@net.jqwik.api.constraints.IntRange(min = -50, max = 50) Integer> ops,
            @ForAll long seed) {
        PNCounter[] replicas = {PNCounter.empty(), PNCounter.empty(), PNCounter.empty()};
        java.util.List<PNCounter> deltas = new java.util.ArrayList<>();
        long expected = 0;
        for (int i = 0; i < ops.size(); i++) {
            int op = ops.get(i);
            if (op == 0) {
                continue;
            }
            int r = i % 3;
            PNCounter d = op > 0 ? replicas[r].increment(Replay.replicaId(r), op)
                    : replicas[r].decrement(Replay.replicaId(r), -op);
            replicas[r] = replicas[r].join(d);
            deltas.add(d);
            expected += op;
        }
        java.util.Collections.shuffle(deltas, new java.util.Random(seed));
        PNCounter elsewhere = PNCounter.empty();
        for (PNCounter d : deltas) {
            elsewhere = elsewhere.join(d).join(d);
        }
        assertEquals(expected, elsewhere.value());
    }
}
