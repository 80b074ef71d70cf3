package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ORSetTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");

    private static <E> ORSet<E> apply(ORSet<E> s, ORSet<E> delta) {
        ORSet<E> r = s.join(delta);
        r.checkInvariants();
        return r;
    }

    @Test
    void concurrentAddAndRemoveKeepsTheElement() {
        ORSet<String> base = apply(ORSet.empty(), ORSet.<String>empty().add(A, "x"));
        ORSet<String> add = base.add(A, "x");
        ORSet<String> remove = base.remove("x");
        ORSet<String> atA = apply(apply(base, add), remove);
        ORSet<String> atB = apply(apply(base, remove), add);
        assertEquals(Set.of("x"), atA.value());
        assertEquals(atA, atB);
    }

    @Test
    void removeAfterAnObservedAddRemovesTheElement() {
        ORSet<String> s = apply(ORSet.empty(), ORSet.<String>empty().add(A, "x"));
        ORSet<String> atB = apply(ORSet.empty(), s);
        ORSet<String> removed = apply(atB, atB.remove("x"));
        assertFalse(removed.contains("x"));
        assertFalse(apply(s, removed).contains("x"), "the remove travels back to the adder");
    }

    @Test
    void removeOfAnUnseenElementIsANoOp() {
        ORSet<String> s = apply(ORSet.empty(), ORSet.<String>empty().add(A, "x"));
        assertTrue(s.remove("y").isBottom());
        assertSame(s, s.join(s.remove("y")));
    }

    @Test
    void aRemoveThatArrivesBeforeItsAddStillRemoves() {
        ORSet<String> atA = apply(ORSet.empty(), ORSet.<String>empty().add(A, "x"));
        ORSet<String> addDelta = atA;
        ORSet<String> removeDelta = atA.remove("x");
        ORSet<String> atC = apply(apply(ORSet.empty(), removeDelta), addDelta);
        assertFalse(atC.contains("x"));
        assertEquals(apply(atA, removeDelta), atC);
    }

    @Test
    void aDotArrivingBeforeItsPredecessorLosesNothing() {
        // The classic bug (crdt.md §2): (a,2) seen before (a,1) must not claim (a,1) was seen.
        ORSet<String> atA = ORSet.empty();
        ORSet<String> first = atA.add(A, "x");
        atA = apply(atA, first);
        ORSet<String> second = atA.add(A, "y");
        ORSet<String> atB = apply(ORSet.empty(), second);
        assertFalse(atB.context().contains(new Dot(A, 1)));
        assertEquals(List.of(new Dot(A, 2)), atB.context().cloud());
        atB = apply(atB, first);
        assertEquals(Set.of("x", "y"), atB.value());
        assertTrue(atB.context().isCompact(), "the gap closed, so the cloud folds into the vector");
    }

    @Test
    void readdingAfterRemoveWorksAgainAndAgain() {
        ORSet<String> s = ORSet.empty();
        for (int i = 0; i < 5; i++) {
            s = apply(s, s.add(A, "x"));
            assertTrue(s.contains("x"));
            s = apply(s, s.remove("x"));
            assertFalse(s.contains("x"));
        }
    }

    @Test
    void manyAddRemoveCyclesLeaveNoTombstones() {
        ORSet<String> s = ORSet.empty();
        ReplicaId[] writers = {A, B, C};
        for (int i = 0; i < 10_000; i++) {
            ReplicaId r = writers[i % 3];
            s = apply(s, s.add(r, "e" + (i % 100)));
            s = apply(s, s.remove("e" + (i % 100)));
        }
        s = apply(s, s.add(A, "live"));
        assertEquals(1, s.size());
        assertTrue(s.context().isCompact(), "metadata is one counter per replica, not one per remove");
        assertEquals(3, s.context().versionVector().size());
    }

    @Test
    void theDeltaOfAnAddHoldsOneElementAndItsDots() {
        ORSet<String> s = ORSet.empty();
        for (int i = 0; i < 1000; i++) {
            s = apply(s, s.add(A, "e" + i));
        }
        ORSet<String> delta = s.add(B, "e7");
        assertEquals(1, delta.size());
        assertEquals(List.of(new Dot(B, 1)), delta.dotsOf("e7"));
        assertEquals(CausalContext.ofDots(new Dot(A, 8), new Dot(B, 1)), delta.context());
    }

    @Test
    void concurrentAddsOfOneElementKeepBothDotsUntilTheNextAdd() {
        ORSet<String> fromA = ORSet.<String>empty().add(A, "x");
        ORSet<String> fromB = ORSet.<String>empty().add(B, "x");
        ORSet<String> both = apply(fromA, fromB);
        assertEquals(List.of(new Dot(A, 1), new Dot(B, 1)), both.dotsOf("x"));
        ORSet<String> next = apply(both, both.add(C, "x"));
        assertEquals(List.of(new Dot(C, 1)), next.dotsOf("x"));
    }

    @Test
    void clearRemovesOnlyWhatWasObserved() {
        ORSet<String> base = apply(ORSet.empty(), ORSet.<String>empty().addAll(A, List.of("x", "y")));
        ORSet<String> concurrent = base.add(B, "z");
        ORSet<String> cleared = apply(apply(base, base.clear()), concurrent);
        assertEquals(Set.of("z"), cleared.value());
    }

    @Test
    void elementsViewIsUnmodifiable() {
        ORSet<String> s = apply(ORSet.empty(), ORSet.<String>empty().add(A, "x"));
        assertThrows(UnsupportedOperationException.class, () -> s.value().add("y"));
        assertThrows(UnsupportedOperationException.class, () -> s.value().remove("x"));
    }

    @Test
    void nullsAreRejected() {
        assertThrows(NullPointerException.class, () -> ORSet.<String>empty().add(A, null));
        assertThrows(NullPointerException.class, () -> ORSet.<String>empty().add(null, "x"));
        assertThrows(NullPointerException.class, () -> ORSet.<String>empty().remove(null));
        assertThrows(NullPointerException.class, () -> ORSet.<String>empty().join(null));
    }

    @Test
    void joiningAnOwnDeltaTwiceReturnsTheSameState() {
        ORSet<String> s = apply(ORSet.empty(), ORSet.<String>empty().add(A, "x"));
        ORSet<String> d = s.add(A, "y");
        ORSet<String> once = apply(s, d);
        assertSame(once, once.join(d));
    }

    // ------------------------------------------------------------------------------ novel part

    @Test
    void theNovelPartOfAReceivedGroupLeavesOutWhatTheReceiverHolds() {
        ORSet<String> addA = ORSet.<String>empty().add(A, "a");
        ORSet<String> receiver = ORSet.<String>empty().join(addA);
        ORSet<String> addB = receiver.add(B, "b");
        ORSet<String> group = addA.join(addB); // what a forwarder would send: A's add and B's
        ORSet<String> novel = receiver.novelPart(group);
        assertEquals(Set.of("b"), novel.value());
        assertEquals(CausalContext.ofDots(Dot.of("b", 1)), novel.context());
        assertEquals(receiver.join(group), receiver.join(novel));
    }

    @Test
    void theNovelPartOfARemoveCarriesTheRemovedDotsAndNamesTheKey() {
        ORSet<String> state = ORSet.<String>empty().join(ORSet.<String>empty().add(A, "a"))
                .join(ORSet.<String>empty().add(B, "b"));
        ORSet<String> remove = state.remove("a");
        ORSet<String> novel = state.novelPart(remove);
        assertTrue(novel.value().isEmpty());
        assertEquals(CausalContext.ofDots(Dot.of("a", 1)), novel.context());
        assertEquals(Set.of("b"), state.join(novel).value());
        assertEquals(state.join(remove), state.join(novel));
        // Nothing new: the novel part is empty and changes nothing.
        ORSet<String> after = state.join(remove);
        assertEquals(after, after.join(after.novelPart(remove)));
    }

    @Test
    void aFullStateOrADeltaWithUnheldNewDotsIsKeptWhole() {
        ORSet<String> state = ORSet.<String>empty().add(A, "a");
        ORSet<String> full = KeyedJoinProperties.full(state.join(ORSet.<String>empty().add(B, "b")));
        assertSame(full, ORSet.<String>empty().novelPart(full));
        // b's add and remove, neither seen by the receiver: the new dot (b,1) has no entry left.
        ORSet<String> addB = ORSet.<String>empty().add(B, "b");
        ORSet<String> addAndRemove = addB.join(addB.remove("b"));
        assertSame(addAndRemove, state.novelPart(addAndRemove));
    }
}
