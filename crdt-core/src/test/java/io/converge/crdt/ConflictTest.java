package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Examples of {@link ReplicatedData#conflict}: the flipped frames of the issue, and what is not a conflict. */
class ConflictTest {
    private static final ReplicaId A = ReplicaId.of("a");

    @Test
    void aFlippedElementMakesJoinsDisagreeAndIsFound() {
        ORSet<String> real = ORSet.<String>empty().add(A, "milk");
        ORSet<String> flipped = ORSet.<String>empty().add(A, "milj"); // the same dot (a,1)
        // Why it must be refused: the join is no longer commutative.
        assertNotEquals(real.join(flipped).value(), flipped.join(real).value());
        assertEquals(Optional.of(new Conflict(Conflict.Kind.DOT, A, 1, "milj")), real.conflict(flipped));
        assertEquals(Optional.of(new Conflict(Conflict.Kind.DOT, A, 1, "milk")), flipped.conflict(real));
    }

    @Test
    void aFlippedElementArrivingInALargeSetIsFoundByItsDot() {
        ORSet<String> real = ORSet.empty();
        for (int i = 0; i < 1000; i++) {
            real = real.join(real.add(A, "e" + i));
        }
        io.converge.crdt.causal.Dot d = real.dotsOf("e7").get(0);
        ORSet<String> flipped = real.make(io.converge.crdt.internal.HashTrie.<String, Object>empty().put("e7~", d),
                CausalContext.ofDot(d), io.converge.crdt.internal.HashTrie.empty());
        assertEquals(Optional.of(new Conflict(Conflict.Kind.DOT, A, d.counter(), "e7~")), real.conflict(flipped));
    }

    @Test
    void aDeltaForAnElementRemovedHereIsNoConflict() {
        ORSet<String> addMilk = ORSet.<String>empty().add(A, "milk");
        ORSet<String> state = addMilk.join(addMilk.remove("milk"));
        assertEquals(Optional.empty(), state.conflict(addMilk), "the add delivered again after its remove");
        assertEquals(Optional.empty(), addMilk.conflict(state));
    }

    @Test
    void aFlippedValueOfAnAwLwwMapIsFound() {
        HybridLogicalClock clock = HybridLogicalClock.of(() -> 1_000L, 500, HlcTimestamp.ZERO);
        HybridLogicalClock twin = HybridLogicalClock.of(() -> 1_000L, 500, HlcTimestamp.ZERO);
        AWLWWMap<String, String> real = AWLWWMap.<String, String>empty().put(A, clock, "k", "milk");
        AWLWWMap<String, String> flipped = AWLWWMap.<String, String>empty().put(A, twin, "k", "milj");
        assertNotEquals(real.join(flipped).get("k"), flipped.join(real).get("k"));
        assertEquals(Conflict.Kind.DOT, real.conflict(flipped).orElseThrow().kind());
    }

    @Test
    void aFlippedValueOfAnMvRegisterIsFound() {
        MVRegister<String> real = MVRegister.<String>empty().write(A, "milk");
        MVRegister<String> flipped = MVRegister.<String>empty().write(A, "milj");
        assertNotEquals(real.join(flipped).value(), flipped.join(real).value());
        assertTrue(real.conflict(flipped).isPresent());
        assertTrue(flipped.conflict(real).isPresent());
    }

    @Test
    void aFlippedValueUnderTheSameLwwStampIsFound() {
        HlcTimestamp t = new HlcTimestamp(1_000L << 16);
        LWWRegister<String> real = LWWRegister.of(t, A, "milk");
        LWWRegister<String> flipped = LWWRegister.of(t, A, "milj");
        assertNotEquals(real.join(flipped).value(), flipped.join(real).value());
        assertEquals(Optional.of(new Conflict(Conflict.Kind.STAMP, A, t.packed(), "milj")), real.conflict(flipped));
        assertEquals(Optional.empty(), real.conflict(LWWRegister.of(t, ReplicaId.of("b"), "milj")),
                "another writer's equal clock reading is a tie, broken by the id");
    }

    @Test
    void aFlippedElementInsideAnOrMapValueIsFound() {
        ORMap<String, ORSet<String>> empty = ORMap.empty(ORSet.<String>empty());
        ORMap<String, ORSet<String>> real = empty.apply("cart", s -> s.add(A, "milk"));
        ORMap<String, ORSet<String>> flipped = empty.apply("cart", s -> s.add(A, "milj"));
        assertTrue(real.conflict(flipped).isPresent());
        assertTrue(flipped.conflict(real).isPresent());
    }

    @Test
    void anOrMapValueMovedToAnotherKeyIsFound() {
        ORMap<String, ORSet<String>> empty = ORMap.empty(ORSet.<String>empty());
        ORMap<String, ORSet<String>> real = empty.apply("cart", s -> s.add(A, "milk"));
        ORMap<String, ORSet<String>> flipped = empty.apply("cars", s -> s.add(A, "milk"));
        assertEquals(Optional.of(new Conflict(Conflict.Kind.DOT, A, 1, "cars")), real.conflict(flipped));
        assertTrue(flipped.conflict(real).isPresent());
        ORMap<String, ORSet<String>> removed = real.join(real.remove("cart"));
        assertEquals(Optional.empty(), removed.conflict(real), "a value removed here, delivered again");
    }

    @Test
    void conflictsNameAtMostSixtyFourCharacters() {
        Conflict c = new Conflict(Conflict.Kind.DOT, A, 1, "x".repeat(1000));
        assertEquals(Conflict.MAX_ENTRY_CHARS, c.entry().length());
    }
}
