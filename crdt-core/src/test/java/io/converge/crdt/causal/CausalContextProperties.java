package io.converge.crdt.causal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The causal context against a plain set of dots. */
class CausalContextProperties {
    @Provide
    Arbitrary<List<Dot>> dots() {
        Arbitrary<Dot> dot = Combinators.combine(Arbitraries.of("a", "b", "c"), Arbitraries.longs().between(1, 12))
                .as(Dot::of);
        return dot.list().ofMaxSize(30);
    }

    private static Set<Dot> expand(CausalContext c, long upTo) {
        Set<Dot> out = new HashSet<>();
        for (String r : List.of("a", "b", "c")) {
            for (long n = 1; n <= upTo; n++) {
                if (c.contains(ReplicaId.of(r), n)) {
                    out.add(Dot.of(r, n));
                }
            }
        }
        return out;
    }

    @Property
    void containsExactlyTheDotsAdded(@ForAll("dots") List<Dot> dots) {
        CausalContext c = CausalContext.ofDots(dots);
        assertEquals(new HashSet<>(dots), expand(c, 20));
    }

    @Property
    void isAlwaysCompacted(@ForAll("dots") List<Dot> dots) {
        CausalContext c = CausalContext.ofDots(dots);
        for (Dot d : c.cloud()) {
            assertTrue(d.counter() > c.versionVector().get(d.replica()) + 1,
                    "cloud dot " + d + " should have been folded into " + c.versionVector());
        }
    }

    @Property
    void equalDotSetsGiveEqualContextsWhateverTheOrder(@ForAll("dots") List<Dot> dots) {
        List<Dot> reversed = new java.util.ArrayList<>(dots);
        java.util.Collections.reverse(reversed);
        CausalContext a = CausalContext.ofDots(dots);
        CausalContext b = CausalContext.ofDots(reversed);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
    }

    @Property
    void unionIsTheSetUnion(@ForAll("dots") List<Dot> x, @ForAll("dots") List<Dot> y) {
        CausalContext u = CausalContext.ofDots(x).union(CausalContext.ofDots(y));
        Set<Dot> expected = new HashSet<>(x);
        expected.addAll(y);
        assertEquals(expected, expand(u, 20));
        assertEquals(u, CausalContext.ofDots(y).union(CausalContext.ofDots(x)));
    }

    @Property
    void unionIsAssociativeAndIdempotent(@ForAll("dots") List<Dot> x, @ForAll("dots") List<Dot> y,
            @ForAll("dots") List<Dot> z) {
        CausalContext a = CausalContext.ofDots(x);
        CausalContext b = CausalContext.ofDots(y);
        CausalContext c = CausalContext.ofDots(z);
        assertEquals(a.union(b).union(c), a.union(b.union(c)));
        assertEquals(a, a.union(a));
    }

    @Property
    void subsetAgreesWithUnion(@ForAll("dots") List<Dot> x, @ForAll("dots") List<Dot> y) {
        CausalContext a = CausalContext.ofDots(x);
        CausalContext b = CausalContext.ofDots(y);
        assertEquals(a.union(b).equals(b), a.isSubsetOf(b));
        assertTrue(a.isSubsetOf(a.union(b)));
    }

    @Property
    void nextDotIsNeverAlreadySeen(@ForAll("dots") List<Dot> dots, @ForAll("replica") String r) {
        CausalContext c = CausalContext.ofDots(dots);
        Dot next = c.nextDot(ReplicaId.of(r));
        assertFalse(c.contains(next));
        assertEquals(c.max(ReplicaId.of(r)) + 1, next.counter());
    }

    @Provide
    Arbitrary<String> replica() {
        return Arbitraries.of("a", "b", "c");
    }

    @Example
    void aDotBeyondAGapGoesToTheCloudNotTheVector() {
        CausalContext c = CausalContext.ofDots(Dot.of("a", 1), Dot.of("a", 2), Dot.of("a", 4));
        assertEquals(2, c.versionVector().get(ReplicaId.of("a")));
        assertEquals(List.of(Dot.of("a", 4)), c.cloud());
        assertFalse(c.contains(Dot.of("a", 3)), "(a,3) was never seen");
        CausalContext healed = c.add(Dot.of("a", 3));
        assertTrue(healed.isCompact());
        assertEquals(4, healed.versionVector().get(ReplicaId.of("a")));
    }

    @Example
    void unionWithAContainedContextReturnsTheLargerOneItself() {
        CausalContext big = CausalContext.of(VersionVector.empty().with(ReplicaId.of("a"), 5));
        CausalContext small = CausalContext.of(VersionVector.empty().with(ReplicaId.of("a"), 3));
        assertSame(big, big.union(small));
        assertSame(big, small.union(big));
    }
}
