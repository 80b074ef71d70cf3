package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.converge.crdt.causal.ReplicaId;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ORMapTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    private static <S extends ReplicatedData<S>> S apply(S s, S delta) {
        S r = s.join(delta);
        r.checkInvariants();
        return r;
    }

    @Test
    void removingACartWhileAnotherReplicaAddsMilkLeavesOnlyMilk() {
        ORMap<String, ORSet<String>> m = ORMap.empty(ORSet.<String>empty());
        m = apply(m, m.apply("cart", s -> s.add(A, "bread")));
        ORMap<String, ORSet<String>> remove = m.remove("cart");
        ORMap<String, ORSet<String>> addMilk = m.apply("cart", s -> s.add(B, "milk"));
        ORMap<String, ORSet<String>> atA = apply(apply(m, remove), addMilk);
        ORMap<String, ORSet<String>> atB = apply(apply(m, addMilk), remove);
        assertEquals(atA, atB);
        assertEquals(Set.of("milk"), atA.get("cart").orElseThrow().value());
    }

    @Test
    void aCounterRemovedWhileIncrementedKeepsOnlyTheConcurrentReplicasContribution() {
        ORMap<String, CausalCounter> m = ORMap.empty(CausalCounter.empty());
        m = apply(m, m.apply("k", c -> c.increment(B, 5)));
        ORMap<String, CausalCounter> remove = m.remove("k");
        ORMap<String, CausalCounter> inc = m.apply("k", c -> c.increment(A, 1));
        ORMap<String, CausalCounter> r = apply(apply(m, remove), inc);
        assertEquals(1, r.get("k").orElseThrow().value(), "k=5, remove ∥ +1 → 1");
    }

    @Test
    void aConcurrentIncrementBringsBackTheWholeRunningContribution() {
        ORMap<String, CausalCounter> m = ORMap.empty(CausalCounter.empty());
        m = apply(m, m.apply("k", c -> c.increment(A, 3)));
        ORMap<String, CausalCounter> remove = m.remove("k");
        ORMap<String, CausalCounter> inc = m.apply("k", c -> c.increment(A, 2));
        ORMap<String, CausalCounter> r = apply(apply(m, remove), inc);
        assertEquals(5, r.get("k").orElseThrow().value(), "documented: A's whole contribution, not 2");
    }

    @Test
    void concurrentIncrementsOfANestedCounterBothCount() {
        ORMap<String, CausalCounter> m = ORMap.empty(CausalCounter.empty());
        ORMap<String, CausalCounter> a = m.apply("k", c -> c.increment(A, 2));
        ORMap<String, CausalCounter> b = m.apply("k", c -> c.increment(B, 3));
        assertEquals(5, apply(apply(m, a), b).get("k").orElseThrow().value());
    }

    @Test
    void aRecreatedKeyIsNotShadowedByItsOldValue() {
        ORMap<String, ORSet<String>> m = ORMap.empty(ORSet.<String>empty());
        m = apply(m, m.apply("k", s -> s.add(A, "old")));
        m = apply(m, m.remove("k"));
        assertFalse(m.containsKey("k"));
        m = apply(m, m.apply("k", s -> s.add(A, "new")));
        assertEquals(Set.of("new"), m.get("k").orElseThrow().value());
    }

    @Test
    void aMapOfMapsMergesNestedChangesPerKey() {
        ORMap<String, ORMap<String, ORSet<String>>> m = ORMap.empty(ORMap.<String, ORSet<String>>empty(ORSet.<String>empty()));
        ORMap<String, ORMap<String, ORSet<String>>> a = m.apply("u", inner -> inner.apply("tags", s -> s.add(A, "x")));
        ORMap<String, ORMap<String, ORSet<String>>> b = m.apply("u", inner -> inner.apply("tags", s -> s.add(B, "y")));
        var merged = apply(apply(m, a), b);
        assertEquals(Set.of("x", "y"), merged.get("u").orElseThrow().get("tags").orElseThrow().value());
    }

    @Test
    void theDeltaOfANestedChangeCarriesOnlyThatEntry() {
        ORMap<String, ORSet<String>> m = ORMap.empty(ORSet.<String>empty());
        for (int i = 0; i < 100; i++) {
            String k = "k" + i;
            m = apply(m, m.apply(k, s -> s.add(A, "v")));
        }
        for (int i = 0; i < 100; i++) {
            m = apply(m, m.apply("k0", s -> s.add(A, "more")));
        }
        ORMap<String, ORSet<String>> delta = m.apply("k0", s -> s.add(B, "z"));
        assertEquals(1, delta.size());
        assertEquals(Set.of("z"), delta.get("k0").orElseThrow().value(), "only the change, not the entry's full value");
    }

    @Test
    void aPrototypeThatIsNotEmptyIsRejected() {
        ORSet<String> nonEmpty = ORSet.<String>empty().add(A, "x");
        assertThrows(IllegalArgumentException.class, () -> ORMap.empty(nonEmpty));
    }
}
