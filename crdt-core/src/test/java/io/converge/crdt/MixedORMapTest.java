package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.ReplicaId;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MixedORMapTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    private static <S extends ReplicatedData<S>> S apply(S s, S delta) {
        S r = s.join(delta);
        r.checkInvariants();
        return r;
    }

    @Test
    void aSetAFlagAndACounterLiveUnderDifferentKeysAndReadBackTyped() {
        MixedORMap<String> m = MixedORMap.empty();
        m = apply(m, m.update("tags", ORSet.<String>empty(), s -> s.add(A, "crdt")));
        m = apply(m, m.update("done", EWFlag.empty(), f -> f.enable(A)));
        m = apply(m, m.update("views", CausalCounter.empty(), c -> c.increment(B, 3)));
        ORSet<String> tags = m.get("tags", ORSet.<String>empty()).orElseThrow();
        assertEquals(Set.of("crdt"), tags.value());
        assertTrue(m.get("done", EWFlag.empty()).orElseThrow().value());
        assertEquals(3, m.get("views", CausalCounter.empty()).orElseThrow().value());
        assertEquals(Optional.of("ORSet"), m.typeOf("tags"));
        assertEquals(3, m.value().size());
        assertInstanceOf(EWFlag.class, m.value().get("done"));
    }

    @Test
    void updatingAKeyWithAnotherTypeIsATypedErrorThatChangesNothing() {
        MixedORMap<String> m = MixedORMap.empty();
        m = apply(m, m.update("tags", ORSet.<String>empty(), s -> s.add(A, "crdt")));
        MixedORMap<String> before = m;
        MixedORMap<String> finalM = m;
        CrdtTypeMismatchException e = assertThrows(CrdtTypeMismatchException.class,
                () -> finalM.update("tags", EWFlag.empty(), f -> f.enable(A)));
        assertTrue(e.getMessage().contains("ORSet") && e.getMessage().contains("EWFlag"), e.getMessage());
        assertEquals(before, m);
        assertEquals(Set.of("crdt"), m.get("tags", ORSet.<String>empty()).orElseThrow().value());
    }

    @Test
    void readingAKeyAsAnotherTypeIsATypedError() {
        MixedORMap<String> m = MixedORMap.empty();
        MixedORMap<String> r = apply(m, m.update("done", EWFlag.empty(), f -> f.enable(A)));
        assertThrows(CrdtTypeMismatchException.class, () -> r.get("done", DWFlag.empty()));
        assertEquals(Optional.empty(), r.get("missing", DWFlag.empty()));
    }

    @Test
    void mapsOfDifferentValueTypesAreDifferentTypes() {
        MixedORMap<String> m = MixedORMap.empty();
        MixedORMap<String> r = apply(m, m.update("m", ORMap.<String, EWFlag>empty(EWFlag.empty()),
                inner -> inner.apply("k", f -> f.enable(A))));
        assertEquals(Optional.of("ORMap<EWFlag>"), r.typeOf("m"));
        assertThrows(CrdtTypeMismatchException.class,
                () -> r.get("m", ORMap.<String, ORSet<String>>empty(ORSet.empty())));
    }

    @Test
    void theValueNamingTheTypeMustBeEmpty() {
        MixedORMap<String> m = MixedORMap.empty();
        assertThrows(IllegalArgumentException.class,
                () -> m.update("done", EWFlag.empty().enable(A), f -> f.enable(A)));
    }

    @Test
    void nestedMixedMapsNeedNoCasts() {
        MixedORMap<String> m = MixedORMap.empty();
        m = apply(m, m.update("address", MixedORMap.<String>empty(),
                a -> a.update("city", MVRegister.<String>empty(), r -> r.write(A, "Oslo"))));
        MVRegister<String> city = m.get("address", MixedORMap.<String>empty()).orElseThrow()
                .get("city", MVRegister.<String>empty()).orElseThrow();
        assertEquals(Set.of("Oslo"), city.value());
    }

    @Test
    void concurrentUpdatesWithDifferentTypesConvergeToTheTypeWhoseTagSortsLast() {
        MixedORMap<String> m = MixedORMap.empty();
        MixedORMap<String> flagAtA = m.update("k", EWFlag.empty(), f -> f.enable(A));
        MixedORMap<String> setAtB = m.update("k", ORSet.<String>empty(), s -> s.add(B, "x"));
        MixedORMap<String> atA = apply(apply(m, flagAtA), setAtB);
        MixedORMap<String> atB = apply(apply(m, setAtB), flagAtA);
        assertEquals(atA, atB);
        assertEquals(Optional.of("ORSet"), atA.typeOf("k"), "\"ORSet\" sorts after \"EWFlag\"");
        assertEquals(Set.of("x"), atA.get("k", ORSet.<String>empty()).orElseThrow().value());
        assertThrows(CrdtTypeMismatchException.class, () -> atA.get("k", EWFlag.empty()));
    }

    @Test
    void theNextUpdateOfTheWinnerRemovesTheHiddenLoserEverywhere() {
        MixedORMap<String> m = MixedORMap.empty();
        MixedORMap<String> flagAtA = m.update("k", EWFlag.empty(), f -> f.enable(A));
        MixedORMap<String> setAtB = m.update("k", ORSet.<String>empty(), s -> s.add(B, "x"));
        MixedORMap<String> both = apply(apply(m, flagAtA), setAtB);
        MixedORMap<String> removeX = both.update("k", ORSet.<String>empty(), s -> s.remove("x"));
        // The set is now empty and the flag covered: nothing is left under the key.
        MixedORMap<String> atA = apply(apply(m, flagAtA), removeX);
        assertFalse(atA.containsKey("k"));
        assertEquals(atA, apply(both, removeX));
    }

    @Test
    void aRemoveOfTheWinnerThatNeverSawTheLoserLetsTheLoserReappear() {
        // Dropping the loser in the join would make this order-dependent: (flag ⊔ set) ⊔ remove
        // would lose the flag while flag ⊔ (set ⊔ remove) keeps it.
        MixedORMap<String> m = MixedORMap.empty();
        MixedORMap<String> flag = apply(m, m.update("k", EWFlag.empty(), f -> f.enable(A)));
        MixedORMap<String> set = apply(m, m.update("k", ORSet.<String>empty(), s -> s.add(B, "x")));
        MixedORMap<String> removeSet = set.remove("k");
        MixedORMap<String> left = apply(apply(flag, set), removeSet);
        MixedORMap<String> right = apply(flag, apply(set, removeSet));
        assertEquals(left, right);
        assertEquals(Optional.of("EWFlag"), left.typeOf("k"));
        assertTrue(left.get("k", EWFlag.empty()).orElseThrow().value());
    }

    @Test
    void removeCoversEveryTypeTheKeyHolds() {
        MixedORMap<String> m = MixedORMap.empty();
        MixedORMap<String> both = apply(apply(m, m.update("k", EWFlag.empty(), f -> f.enable(A))),
                m.update("k", ORSet.<String>empty(), s -> s.add(B, "x")));
        MixedORMap<String> removed = apply(both, both.remove("k"));
        assertFalse(removed.containsKey("k"));
        assertTrue(removed.isEmpty());
    }

    @Test
    void anUpdateThatChangesNothingIsBottom() {
        MixedORMap<String> m = MixedORMap.empty();
        MixedORMap<String> d = m.update("tags", ORSet.<String>empty(), s -> s.remove("absent"));
        assertTrue(d.isBottom());
        assertSame(MixedORMap.empty(), MixedORMap.<String>empty().bottom());
    }
}
