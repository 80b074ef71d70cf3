package io.converge.crdt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DotEntriesTest {
    private static final List<Dot> DOTS = List.of(Dot.of("a", 1), Dot.of("a", 2), Dot.of("b", 1), Dot.of("c", 5));

    private static List<Dot> subset(int mask) {
        List<Dot> out = new ArrayList<>();
        for (int i = 0; i < DOTS.size(); i++) {
            if ((mask >>> i & 1) != 0) {
                out.add(DOTS.get(i));
            }
        }
        return out;
    }

    private static Set<Dot> dotsOf(Object store) {
        Set<Dot> out = new HashSet<>();
        DotEntries.forEach(store, e -> out.add(DotEntries.dot(e)));
        return out;
    }

    /**
     * Every store pair over four dots, every pair of contexts covering them: the result is
     * {@code (s ∩ s') ∪ (s \ c') ∪ (s' \ c)} (crdt.md §2), an input itself whenever it equals
     * that input, null when empty, and entries come from the inputs.
     */
    private static void checkEverySmallInput(Function<Dot, Object> newEntry) {
        // One entry instance per dot, shared by both sides, as within one process.
        Map<Dot, Object> entries = new HashMap<>();
        Function<Dot, Object> entry = d -> entries.computeIfAbsent(d, newEntry);
        int n = DOTS.size();
        int all = 1 << n;
        for (int sa = 0; sa < all; sa++) {
            for (int extraA = 0; extraA < all; extraA++) {
                if ((sa & extraA) != 0) {
                    continue;
                }
                for (int sb = 0; sb < all; sb++) {
                    for (int extraB = 0; extraB < all; extraB++) {
                        if ((sb & extraB) != 0) {
                            continue;
                        }
                        List<Object> ea = new ArrayList<>();
                        subset(sa).forEach(d -> ea.add(entry.apply(d)));
                        List<Object> eb = new ArrayList<>();
                        subset(sb).forEach(d -> eb.add(entry.apply(d)));
                        Object a = DotEntries.of(ea);
                        Object b = DotEntries.of(eb);
                        CausalContext ca = CausalContext.ofDots(subset(sa | extraA));
                        CausalContext cb = CausalContext.ofDots(subset(sb | extraB));
                        int expected = (sa & sb) | (sa & ~(sb | extraB)) | (sb & ~(sa | extraA));
                        Object r = DotEntries.join(a, ca, b, cb);
                        String where = "a=" + a + " ca=" + ca + " b=" + b + " cb=" + cb;
                        assertEquals(new HashSet<>(subset(expected)), dotsOf(r), where);
                        assertEquals(Integer.bitCount(expected), DotEntries.count(r), where);
                        assertEquals(DotEntries.of(new ArrayList<>(subset(expected)).stream()
                                .map(d -> (Object) entry.apply(d)).toList()), r, "canonical form: " + where);
                        if (expected == 0) {
                            assertNull(r, where);
                        } else if (expected == sa) {
                            assertSame(a, r, "the left input itself: " + where);
                        } else if (expected == sb) {
                            assertSame(b, r, "the right input itself: " + where);
                        }
                        Object flipped = DotEntries.join(b, cb, a, ca);
                        assertEquals(r, flipped, "commutative: " + where);
                    }
                }
            }
        }
    }

    @Test
    void joinOfDotSetsMatchesTheSetFormulaOnEverySmallInput() {
        checkEverySmallInput(d -> d);
    }

    @Test
    void joinOfDotFunctionsMatchesTheSetFormulaOnEverySmallInput() {
        checkEverySmallInput(d -> new Tagged(d, d.counter() * 10, "v" + d));
    }

    @Test
    void survivorsReturnsTheStoreItselfWhenNothingIsCoveredAndNullWhenEverythingIs() {
        Object store = DotEntries.of(List.of(Dot.of("a", 1), Dot.of("b", 1)));
        assertSame(store, DotEntries.survivors(store, CausalContext.ofDots(Dot.of("a", 2))));
        assertNull(DotEntries.survivors(store, CausalContext.ofDots(Dot.of("a", 1), Dot.of("b", 1))));
        assertEquals(Dot.of("b", 1), DotEntries.survivors(store, CausalContext.ofDots(Dot.of("a", 1))),
                "one survivor is stored as itself");
        Dot one = Dot.of("a", 1);
        assertSame(one, DotEntries.survivors(one, CausalContext.empty()));
        assertNull(DotEntries.survivors(one, CausalContext.ofDots(one)));
        assertNull(DotEntries.survivors(null, CausalContext.empty()));
    }

    @Test
    void ofSortsByDotAndStoresOneEntryAsItself() {
        Dot a1 = Dot.of("a", 1);
        Dot a10 = Dot.of("a", 10);
        Dot b2 = Dot.of("b", 2);
        assertNull(DotEntries.of(List.of()));
        assertSame(a1, DotEntries.of(List.of(a1)));
        Object many = DotEntries.of(List.of(b2, a10, a1));
        assertEquals(DotEntries.of(List.of(a1, a10, b2)), many);
        assertEquals(DotEntries.of(List.of(a1, a10, b2)).hashCode(), many.hashCode());
        assertEquals(List.of(a1, a10, b2), List.of(DotEntries.get(many, 0), DotEntries.get(many, 1),
                DotEntries.get(many, 2)), "numeric order of counters, not string order");
        assertNotEquals(DotEntries.of(List.of(a1, a10)), many);
        assertTrue(DotEntries.containsDot(many, b2.replica(), 2));
        assertTrue(DotEntries.allIn(many, CausalContext.ofDots(a1, a10, b2)));
    }

    /**
     * The Javadoc promises an input itself whenever the result equals it. Entries decoded from the
     * wire are equal copies, not the same objects; the merge takes common entries from the left
     * and compares by reference, so a result equal to the right input is a new copy of it (and
     * the trie merge above it then cannot share the right side either).
     */
    @Test
    void aResultEqualToTheRightInputIsThatInputEvenWhenItsEntriesAreCopies() {
        Dot a1 = Dot.of("a", 1);
        Dot a2 = Dot.of("a", 2);
        Object left = new Tagged(a1, 10, "v");
        Object right = DotEntries.of(List.of(new Tagged(a1, 10, "v"), new Tagged(a2, 20, "w")));
        CausalContext cl = CausalContext.ofDots(a1);
        CausalContext cr = CausalContext.ofDots(a1, a2);
        assertSame(right, DotEntries.join(left, cl, right, cr));
    }

    @Test
    void theSameEntryOnBothSidesIsKeptWhateverTheContexts() {
        Dot d = Dot.of("a", 3);
        CausalContext seen = CausalContext.ofDots(d, Dot.of("b", 1));
        assertSame(d, DotEntries.join(d, seen, Dot.of("a", 3), seen));
        Tagged t = new Tagged(d, 7, "v");
        assertSame(t, DotEntries.join(t, seen, new Tagged(d, 7, "v"), seen));
    }
}
