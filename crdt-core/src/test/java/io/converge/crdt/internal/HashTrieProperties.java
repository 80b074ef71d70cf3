package io.converge.crdt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Model-based properties of {@link HashTrie}: every operation is compared with
 * {@link java.util.HashMap}, and {@link HashTrie#merge} with a naive entry-by-entry merge.
 *
 * <p>Keys come from three families so that every node kind is reached: small integers (slot
 * collisions near the root), {@link Colliding} keys whose {@code hashCode} is {@code id % 3} (full
 * 32-bit collisions, hence runs of equal hashes in one node, and they also collide with the integers 0, 1 and 2),
 * and {@link Placed} keys whose hash after the trie's bit spreading is chosen by the test, so that
 * keys share long prefixes and build chains down to the last bitmap level (shift 30).
 */
class HashTrieProperties {

    // ------------------------------------------------------------------------------- test keys

    /** A key whose hash collides with two thirds of the others of its kind. */
    record Colliding(int id) {
        @Override
        public int hashCode() {
            return id % 3;
        }
    }

    /**
     * A key whose <em>spread</em> hash (the one the trie uses for its path) is {@code spread}:
     * its {@code hashCode} is the inverse of the trie's spreading function.
     */
    record Placed(int spread, int id) {
        @Override
        public int hashCode() {
            return unspread(spread);
        }
    }

    /** A comparable key whose {@code hashCode} is {@code id % 2}: collisions that have an order. */
    record Ranked(int id) implements Comparable<Ranked> {
        @Override
        public int hashCode() {
            return id % 2;
        }

        @Override
        public int compareTo(Ranked o) {
            return Integer.compare(id, o.id);
        }
    }

    /**
     * A comparable key whose order is coarser than its equality ({@code id / 3}: three unequal
     * keys tie), all with {@code hashCode} 0.
     */
    record Coarse(int id) implements Comparable<Coarse> {
        @Override
        public int hashCode() {
            return 0;
        }

        @Override
        public int compareTo(Coarse o) {
            return Integer.compare(id / 3, o.id / 3);
        }
    }

    /**
     * Keys of two classes comparable as one family, equal across the classes when their ids are
     * ({@code new Elder(1).equals(new Younger(1))}), all with {@code hashCode} 1.
     */
    abstract static class Family implements Comparable<Family> {
        final int id;

        Family(int id) {
            this.id = id;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Family f && f.id == id;
        }

        @Override
        public int hashCode() {
            return 1;
        }

        @Override
        public int compareTo(Family o) {
            return Integer.compare(id, o.id);
        }

        @Override
        public String toString() {
            return getClass().getSimpleName() + "(" + id + ")";
        }
    }

    static final class Elder extends Family {
        Elder(int id) {
            super(id);
        }
    }

    static final class Younger extends Family {
        Younger(int id) {
            super(id);
        }
    }

    /** The long {@code x << 32 | x}: {@code Long.hashCode} 0 for every x. */
    static Long zeroHashLong(int x) {
        return (long) x << 32 | x;
    }

    /** A value with identity: two equal values are usually different references. */
    record Val(int v) {
    }

    private static final int MULTIPLIER = 0x85EBCA6B;
    private static final int MULTIPLIER_INVERSE = inverse(MULTIPLIER);

    private static int inverse(int odd) {
        int x = odd; // correct to 3 bits; each Newton step doubles that
        for (int i = 0; i < 5; i++) {
            x *= 2 - odd * x;
        }
        return x;
    }

    /** The trie's spreading function, as in HashTrie (checked by HashTrieTest). */
    static int spread(int h) {
        h ^= h >>> 16;
        h *= MULTIPLIER;
        h ^= h >>> 13;
        return h;
    }

    /** The inverse of {@link #spread}. */
    static int unspread(int s) {
        int x = s ^ (s >>> 13) ^ (s >>> 26);
        x *= MULTIPLIER_INVERSE;
        return x ^ (x >>> 16);
    }

    /** Spread hashes that differ only in bits 0, 4, 5, 29, 30 and 31: long shared prefixes. */
    static int deepPattern(int p) {
        return pattern(p, 0, 4, 5, 29, 30, 31);
    }

    /** The spread hash with bit {@code bits[i]} set where bit {@code i} of {@code p} is. */
    static int pattern(int p, int... bits) {
        int s = 0;
        for (int i = 0; i < bits.length; i++) {
            if ((p >>> i & 1) != 0) {
                s |= 1 << bits[i];
            }
        }
        return s;
    }

    // ------------------------------------------------------------------------------- generators

    sealed interface Op permits Put, Remove {
    }

    record Put(Object key, Val value) implements Op {
    }

    record Remove(Object key) implements Op {
    }

    /** Spread hashes whose first fragment is always 0: they overflow one group and split below it. */
    static int crowdedPattern(int p) {
        return pattern(p, 5, 6, 10, 15, 30, 31);
    }

    static Arbitrary<Object> keys() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Combinators.combine(Arbitraries.integers().between(0, 63),
                        Arbitraries.integers().between(0, 1)).as((p, id) -> (Object) new Placed(crowdedPattern(p), id))),
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0, 40).map(i -> (Object) i)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 8).map(i -> (Object) new Colliding(i))),
                net.jqwik.api.Tuple.of(3, Combinators.combine(Arbitraries.integers().between(0, 63),
                        Arbitraries.integers().between(0, 1)).as((p, id) -> (Object) new Placed(deepPattern(p), id))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().map(i -> (Object) i)));
    }

    static Arbitrary<Val> values() {
        return Arbitraries.integers().between(0, 3).map(Val::new);
    }

    /** The keys of every history here; {@link HashTrieCollisionProperties} draws them from few hashes. */
    Arbitrary<Object> keySource() {
        return keys();
    }

    Arbitrary<Op> ops() {
        Arbitrary<Object> keys = keySource();
        Arbitrary<Op> put = Combinators.combine(keys, values()).as(Put::new);
        Arbitrary<Op> remove = keys.map(Remove::new);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, put), net.jqwik.api.Tuple.of(2, remove));
    }

    @Provide
    Arbitrary<List<Op>> histories() {
        return ops().list().ofMaxSize(80);
    }

    @Provide
    Arbitrary<List<Op>> shortHistories() {
        return ops().list().ofMaxSize(40);
    }

    // ------------------------------------------------------------------------------- helpers

    static HashTrie<Object, Val> apply(HashTrie<Object, Val> t, Op op) {
        if (op instanceof Put p) {
            return t.put(p.key(), p.value());
        }
        return t.remove(((Remove) op).key());
    }

    static void apply(Map<Object, Val> m, Op op) {
        if (op instanceof Put p) {
            m.put(p.key(), p.value());
        } else {
            m.remove(((Remove) op).key());
        }
    }

    static HashTrie<Object, Val> build(HashTrie<Object, Val> start, List<Op> ops) {
        HashTrie<Object, Val> t = start;
        for (Op op : ops) {
            t = apply(t, op);
        }
        return t;
    }

    static Map<Object, Val> model(Map<Object, Val> start, List<Op> ops) {
        Map<Object, Val> m = new HashMap<>(start);
        for (Op op : ops) {
            apply(m, op);
        }
        return m;
    }

    static <K, V> HashTrie<K, V> fromEntries(List<Map.Entry<K, V>> entries) {
        HashTrie<K, V> t = HashTrie.empty();
        for (Map.Entry<K, V> e : entries) {
            t = t.put(e.getKey(), e.getValue());
        }
        return t;
    }

    /** Asserts that {@code t} holds exactly {@code model}, through every query of the trie. */
    static <K, V> void assertHolds(Map<K, V> model, HashTrie<K, V> t, Set<K> probes) {
        assertEquals(model.size(), t.size(), "size");
        assertEquals(model.isEmpty(), t.isEmpty(), "isEmpty");
        for (K k : probes) {
            assertEquals(model.get(k), t.get(k), () -> "get(" + k + ")");
            assertEquals(model.containsKey(k), t.containsKey(k), () -> "containsKey(" + k + ")");
        }
        List<Map.Entry<K, V>> viaIterator = new ArrayList<>();
        Iterator<Map.Entry<K, V>> it = t.iterator();
        while (it.hasNext()) {
            viaIterator.add(it.next());
        }
        assertFalse(it.hasNext(), "hasNext after the end");
        List<Map.Entry<K, V>> viaForEach = new ArrayList<>();
        t.forEach((k, v) -> viaForEach.add(Map.entry(k, v)));
        assertEquals(model.size(), viaIterator.size(), "iterator count (duplicates?)");
        assertEquals(model, toMap(viaIterator), "iterator entries");
        assertEquals(viaForEach, viaIterator, "forEach and iterator visit the same entries in the same order");
        assertTrue(t.allMatch((k, v) -> v.equals(model.get(k))), "allMatch on every entry");
        // The digest is kept up to date by every operation: it must not depend on the history.
        HashTrie<K, V> fresh = fromEntries(new ArrayList<>(model.entrySet()));
        assertEquals(fresh.digest(), t.digest(), "digest");
        assertEquals(fresh.hashCode(), t.hashCode(), "hashCode");
        assertEquals(fresh, t, "equals");
    }

    static <K, V> Map<K, V> toMap(List<Map.Entry<K, V>> entries) {
        Map<K, V> m = new HashMap<>();
        for (Map.Entry<K, V> e : entries) {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    static Set<Object> probesOf(List<Op> ops) {
        Set<Object> probes = new LinkedHashSet<>();
        for (Op op : ops) {
            probes.add(op instanceof Put p ? p.key() : ((Remove) op).key());
        }
        // Keys never inserted, with hashes equal to inserted ones.
        probes.add(new Colliding(99));
        probes.add(new Placed(deepPattern(63), 7));
        probes.add(-1);
        probes.add(zeroHashLong(999));
        probes.add(new Ranked(998));
        probes.add(new Coarse(998));
        probes.add(new Elder(999));
        return probes;
    }

    /** The canonical trie of {@code model}, inserted in an order chosen by {@code random}. */
    static <K, V> HashTrie<K, V> canonical(Map<K, V> model, Random random) {
        List<Map.Entry<K, V>> entries = new ArrayList<>(model.entrySet());
        Collections.shuffle(entries, random);
        return fromEntries(entries);
    }

    /**
     * {@code merged} must be {@code kept} itself. An empty {@code kept} that is not the shared
     * empty trie (what removing the last key gives) only has to be empty here: merge returns the
     * shared one, pinned by {@code HashTrieTest.mergeOfTwoEmptyTriesReturnsTheLeftTrie}.
     */
    static void assertKept(HashTrie<?, ?> kept, HashTrie<?, ?> merged) {
        if (kept.isEmpty()) {
            assertTrue(merged.isEmpty());
        } else {
            assertSame(kept, merged);
        }
    }

    static void assertEqualTries(HashTrie<?, ?> expected, HashTrie<?, ?> actual) {
        assertEquals(expected, actual);
        assertEquals(actual, expected);
        assertEquals(expected.hashCode(), actual.hashCode());
        assertEquals(expected.digest(), actual.digest());
    }

    // ------------------------------------------------------------------------------- model

    @Property
    void everyStepAgreesWithAHashMap(@ForAll("histories") List<Op> ops) {
        HashTrie<Object, Val> t = HashTrie.empty();
        Map<Object, Val> model = new HashMap<>();
        Set<Object> probes = probesOf(ops);
        for (Op op : ops) {
            HashTrie<Object, Val> before = t;
            boolean absent = op instanceof Remove r && !model.containsKey(r.key());
            t = apply(t, op);
            apply(model, op);
            assertHolds(model, t, probes);
            if (absent) {
                assertSame(before, t, "removing an absent key returns the trie itself");
            }
        }
    }

    @Property
    void oldVersionsAreUnchangedByLaterUpdates(@ForAll("histories") List<Op> ops) {
        List<HashTrie<Object, Val>> versions = new ArrayList<>();
        List<Map<Object, Val>> snapshots = new ArrayList<>();
        HashTrie<Object, Val> t = HashTrie.empty();
        Map<Object, Val> model = new HashMap<>();
        for (Op op : ops) {
            t = apply(t, op);
            apply(model, op);
            versions.add(t);
            snapshots.add(new HashMap<>(model));
        }
        Set<Object> probes = probesOf(ops);
        for (int i = 0; i < versions.size(); i++) {
            assertHolds(snapshots.get(i), versions.get(i), probes);
        }
    }

    @Property
    void triesWithTheSameContentAreEqualWhateverTheirHistory(@ForAll("histories") List<Op> ops,
            @ForAll("shortHistories") List<Op> detour, @ForAll Random random) {
        HashTrie<Object, Val> t = build(HashTrie.empty(), ops);
        Map<Object, Val> model = model(Map.of(), ops);
        // Same content reached another way: other entries first, then removed, then ours in another order.
        HashTrie<Object, Val> other = build(HashTrie.empty(), detour);
        Map<Object, Val> otherModel = model(Map.of(), detour);
        for (Object k : otherModel.keySet()) {
            if (!model.containsKey(k)) {
                other = other.remove(k);
            }
        }
        List<Map.Entry<Object, Val>> entries = new ArrayList<>(model.entrySet());
        Collections.shuffle(entries, random);
        for (Map.Entry<Object, Val> e : entries) {
            other = other.put(e.getKey(), new Val(e.getValue().v()));
        }
        assertEqualTries(t, other);
        assertEqualTries(t, canonical(model, random));
    }

    @Property
    void triesWithDifferentContentAreNotEqual(@ForAll("histories") List<Op> ops, @ForAll("keys") Object key) {
        HashTrie<Object, Val> t = build(HashTrie.empty(), ops);
        Val old = t.get(key);
        HashTrie<Object, Val> changed = t.put(key, new Val(old == null ? 0 : old.v() + 1));
        assertFalse(t.equals(changed));
        assertFalse(changed.equals(t));
        HashTrie<Object, Val> removed = t.remove(key);
        assertEquals(old == null, t.equals(removed));
    }

    @Provide("keys")
    Arbitrary<Object> keyArbitrary() {
        return keySource();
    }

    @Property
    void removingEveryKeyInAnyOrderGivesTheEmptyTrie(@ForAll("histories") List<Op> ops, @ForAll Random random) {
        HashTrie<Object, Val> t = build(HashTrie.empty(), ops);
        Map<Object, Val> model = model(Map.of(), ops);
        List<Object> keys = new ArrayList<>(model.keySet());
        Collections.shuffle(keys, random);
        Set<Object> probes = probesOf(ops);
        for (Object k : keys) {
            t = t.remove(k);
            model.remove(k);
            // Canonical after each removal: equal to a fresh build of what is left.
            assertEqualTries(canonical(model, random), t);
        }
        assertTrue(t.isEmpty());
        assertEqualTries(HashTrie.empty(), t);
        assertHolds(Map.of(), t, probes);
    }

    // ------------------------------------------------------------------------------- merge

    /** Mergers covering keep-left, keep-right, fresh values, drops and key-dependent choices. */
    enum Mergers implements HashTrie.Merger<Object, Val> {
        KEEP_LEFT {
            @Override
            public Val merge(Object k, Val l, Val r) {
                return l != null ? l : r;
            }
        },
        KEEP_RIGHT {
            @Override
            public Val merge(Object k, Val l, Val r) {
                return r != null ? r : l;
            }
        },
        MAX {
            @Override
            public Val merge(Object k, Val l, Val r) {
                if (l == null || r == null) {
                    return l == null ? r : l;
                }
                return l.v() >= r.v() ? l : r;
            }
        },
        FRESH_SUM {
            @Override
            public Val merge(Object k, Val l, Val r) {
                return new Val((l == null ? 0 : l.v()) + (r == null ? 0 : r.v()));
            }
        },
        MAX_DROPPING_ODD {
            @Override
            public Val merge(Object k, Val l, Val r) {
                Val m = MAX.merge(k, l, r);
                return m.v() % 2 == 1 ? null : m;
            }
        },
        ONLY_COMMON_KEYS {
            @Override
            public Val merge(Object k, Val l, Val r) {
                return l == null || r == null ? null : l;
            }
        },
        DROP_LEFT_ONLY {
            @Override
            public Val merge(Object k, Val l, Val r) {
                return r == null ? null : l != null ? l : r;
            }
        },
        BY_KEY {
            @Override
            public Val merge(Object k, Val l, Val r) {
                int h = k.hashCode();
                if ((h & 1) == 0) {
                    return null;
                }
                return (h & 2) == 0 ? KEEP_LEFT.merge(k, l, r) : KEEP_RIGHT.merge(k, l, r);
            }
        },
        DROP_ALL {
            @Override
            public Val merge(Object k, Val l, Val r) {
                return null;
            }
        };
    }

    static Map<Object, Val> naiveMerge(Map<Object, Val> a, Map<Object, Val> b, HashTrie.Merger<Object, Val> m) {
        Set<Object> keys = new HashSet<>(a.keySet());
        keys.addAll(b.keySet());
        Map<Object, Val> out = new HashMap<>();
        for (Object k : keys) {
            Val r = m.merge(k, a.get(k), b.get(k));
            if (r != null) {
                out.put(k, r);
            }
        }
        return out;
    }

    /** Checks the merger's contract: never called with two nulls, left/right are the stored values. */
    static HashTrie.Merger<Object, Val> checked(HashTrie.Merger<Object, Val> m, Map<Object, Val> a,
            Map<Object, Val> b, Set<Object> seen) {
        return (k, l, r) -> {
            assertTrue(l != null || r != null, "merger called with two nulls for " + k);
            assertSame(a.get(k), l, () -> "left value of " + k);
            assertSame(b.get(k), r, () -> "right value of " + k);
            assertTrue(seen.add(k), () -> "merger called twice for " + k);
            return m.merge(k, l, r);
        };
    }

    @Property
    void mergeAgreesWithANaiveMerge(@ForAll("histories") List<Op> opsA, @ForAll("histories") List<Op> opsB,
            @ForAll boolean derived, @ForAll Mergers merger, @ForAll Random random) {
        HashTrie<Object, Val> a = build(HashTrie.empty(), opsA);
        Map<Object, Val> ma = model(Map.of(), opsA);
        // A derived right side shares most of its nodes with the left one.
        HashTrie<Object, Val> b = build(derived ? a : HashTrie.empty(), opsB);
        Map<Object, Val> mb = model(derived ? ma : Map.of(), opsB);
        Set<Object> seen = new HashSet<>();
        HashTrie<Object, Val> merged = a.merge(b, checked(merger, ma, mb, seen));
        Map<Object, Val> expected = naiveMerge(ma, mb, merger);
        Set<Object> probes = probesOf(opsA);
        probes.addAll(probesOf(opsB));
        assertHolds(expected, merged, probes);
        assertEqualTries(canonical(expected, random), merged);
        Set<Object> union = new HashSet<>(ma.keySet());
        union.addAll(mb.keySet());
        assertEquals(union, seen, "the merger decides every key of either side exactly once");
        // The inputs are untouched.
        assertHolds(ma, a, probes);
        assertHolds(mb, b, probes);
    }

    @Property
    void mergeWithASymmetricMergerIsCommutativeAndAssociative(@ForAll("shortHistories") List<Op> opsA,
            @ForAll("shortHistories") List<Op> opsB, @ForAll("shortHistories") List<Op> opsC) {
        HashTrie<Object, Val> a = build(HashTrie.empty(), opsA);
        HashTrie<Object, Val> b = build(a, opsB);
        HashTrie<Object, Val> c = build(HashTrie.empty(), opsC);
        assertEqualTries(a.merge(b, Mergers.MAX), b.merge(a, Mergers.MAX));
        assertEqualTries(a.merge(b, Mergers.MAX).merge(c, Mergers.MAX), a.merge(b.merge(c, Mergers.MAX), Mergers.MAX));
    }

    @Property
    void mergeReturnsTheLeftTrieWhenItKeepsEveryLeftValueAndGainsNoKey(@ForAll("histories") List<Op> opsA,
            @ForAll("shortHistories") List<Op> opsB, @ForAll Random random) {
        HashTrie<Object, Val> a = build(HashTrie.empty(), opsA);
        Map<Object, Val> ma = model(Map.of(), opsA);
        // b: some of a's keys, some with other values, built both fresh and derived from a.
        Map<Object, Val> mb = new HashMap<>();
        for (Map.Entry<Object, Val> e : ma.entrySet()) {
            if (random.nextBoolean()) {
                mb.put(e.getKey(), random.nextBoolean() ? e.getValue() : new Val(e.getValue().v() + 1));
            }
        }
        HashTrie<Object, Val> fresh = canonical(mb, random);
        HashTrie<Object, Val> derived = a;
        for (Object k : ma.keySet()) {
            derived = mb.containsKey(k) ? derived.put(k, mb.get(k)) : derived.remove(k);
        }
        for (HashTrie<Object, Val> b : List.of(fresh, derived, a, HashTrie.<Object, Val>empty())) {
            assertKept(a, a.merge(b, Mergers.KEEP_LEFT));
            assertKept(a, a.merge(b, (k, l, r) -> l));
        }
        // The opsB history may add keys: then the result is a new trie holding them.
        HashTrie<Object, Val> grown = build(fresh, opsB);
        Map<Object, Val> mg = model(mb, opsB);
        HashTrie<Object, Val> merged = a.merge(grown, Mergers.KEEP_LEFT);
        assertHolds(naiveMerge(ma, mg, Mergers.KEEP_LEFT), merged, probesOf(opsB));
        boolean gainsKey = !ma.keySet().containsAll(mg.keySet());
        if (!a.isEmpty() || gainsKey) {
            assertEquals(!gainsKey, merged == a, "same reference exactly when no key is gained");
        }
    }

    @Property
    void mergeReturnsTheRightTrieWhenItKeepsEveryRightValueAndGainsNoKey(
            @ForAll("integerHistories") List<Op> opsB, @ForAll Random random) {
        // Integer keys only: runs of equal hashes do not promise to share the right side.
        HashTrie<Object, Val> b = build(HashTrie.empty(), opsB);
        Map<Object, Val> mb = model(Map.of(), opsB);
        Map<Object, Val> ma = new HashMap<>();
        for (Map.Entry<Object, Val> e : mb.entrySet()) {
            if (random.nextBoolean()) {
                ma.put(e.getKey(), new Val(e.getValue().v() + 1));
            }
        }
        HashTrie<Object, Val> a = canonical(ma, random);
        assertKept(b, a.merge(b, Mergers.KEEP_RIGHT));
        assertKept(b, HashTrie.<Object, Val>empty().merge(b, Mergers.KEEP_RIGHT));
    }

    @Provide
    Arbitrary<List<Op>> integerHistories() {
        Arbitrary<Object> ints = Arbitraries.oneOf(Arbitraries.integers().between(0, 60).map(i -> (Object) i),
                Arbitraries.integers().map(i -> (Object) i));
        Arbitrary<Op> put = Combinators.combine(ints, values()).as(Put::new);
        Arbitrary<Op> remove = ints.map(Remove::new);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, put), net.jqwik.api.Tuple.of(1, remove))
                .list().ofMaxSize(80);
    }

    @Property
    void mergeOfATrieWithItselfAppliesTheMergerToEveryEntry(@ForAll("histories") List<Op> ops,
            @ForAll Mergers merger, @ForAll Random random) {
        HashTrie<Object, Val> a = build(HashTrie.empty(), ops);
        Map<Object, Val> ma = model(Map.of(), ops);
        Set<Object> seen = new HashSet<>();
        HashTrie<Object, Val> merged = a.merge(a, checked(merger, ma, ma, seen));
        assertEquals(ma.keySet(), seen);
        Map<Object, Val> expected = naiveMerge(ma, ma, merger);
        assertHolds(expected, merged, probesOf(ops));
        assertEqualTries(canonical(expected, random), merged);
        assertKept(a, a.merge(a, Mergers.KEEP_LEFT));
        assertKept(a, a.merge(a, Mergers.MAX));
    }

    @Property
    void mergeWithTheEmptyTrieMapsTheOtherSideAlone(@ForAll("histories") List<Op> ops, @ForAll Mergers merger,
            @ForAll Random random) {
        HashTrie<Object, Val> a = build(HashTrie.empty(), ops);
        Map<Object, Val> ma = model(Map.of(), ops);
        HashTrie<Object, Val> empty = HashTrie.empty();
        HashTrie<Object, Val> left = a.merge(empty, checked(merger, ma, Map.of(), new HashSet<>()));
        HashTrie<Object, Val> right = empty.merge(a, checked(merger, Map.of(), ma, new HashSet<>()));
        assertEqualTries(canonical(naiveMerge(ma, Map.of(), merger), random), left);
        assertEqualTries(canonical(naiveMerge(Map.of(), ma, merger), random), right);
        assertHolds(naiveMerge(ma, Map.of(), merger), left, probesOf(ops));
        assertHolds(naiveMerge(Map.of(), ma, merger), right, probesOf(ops));
        assertKept(a, a.merge(empty, Mergers.KEEP_LEFT));
        assertKept(a, empty.merge(a, Mergers.KEEP_LEFT));
        assertTrue(empty.merge(empty, Mergers.FRESH_SUM).isEmpty());
    }

    @Property
    void aMergerThatDropsEverythingGivesTheEmptyTrie(@ForAll("histories") List<Op> opsA,
            @ForAll("histories") List<Op> opsB, @ForAll boolean derived) {
        HashTrie<Object, Val> a = build(HashTrie.empty(), opsA);
        HashTrie<Object, Val> b = build(derived ? a : HashTrie.empty(), opsB);
        HashTrie<Object, Val> merged = a.merge(b, Mergers.DROP_ALL);
        assertTrue(merged.isEmpty());
        assertEquals(0, merged.size());
        assertEqualTries(HashTrie.empty(), merged);
        assertFalse(merged.iterator().hasNext());
        assertNull(merged.get(-1));
    }

    @Property
    void mergedTriesKeepWorkingUnderPutAndRemove(@ForAll("histories") List<Op> opsA,
            @ForAll("histories") List<Op> opsB, @ForAll("shortHistories") List<Op> after, @ForAll Mergers merger) {
        // Merge results must be canonical, well-formed tries that later updates handle correctly.
        HashTrie<Object, Val> a = build(HashTrie.empty(), opsA);
        HashTrie<Object, Val> b = build(a, opsB);
        Map<Object, Val> ma = model(Map.of(), opsA);
        Map<Object, Val> mb = model(ma, opsB);
        HashTrie<Object, Val> t = a.merge(b, merger);
        Map<Object, Val> model = naiveMerge(ma, mb, merger);
        Set<Object> probes = probesOf(after);
        probes.addAll(model.keySet());
        for (Op op : after) {
            t = apply(t, op);
            apply(model, op);
            assertHolds(model, t, probes);
        }
    }

    // ------------------------------------------------------------------------------- iterator

    @Property
    void theIteratorFollowsItsContract(@ForAll("histories") List<Op> ops) {
        HashTrie<Object, Val> t = build(HashTrie.empty(), ops);
        Iterator<Map.Entry<Object, Val>> it = t.iterator();
        Set<Object> keys = new HashSet<>();
        for (int i = 0; i < t.size(); i++) {
            assertTrue(it.hasNext());
            assertTrue(it.hasNext(), "hasNext does not advance");
            Map.Entry<Object, Val> e = it.next();
            assertTrue(keys.add(e.getKey()));
            assertSame(t.get(e.getKey()), e.getValue());
        }
        assertFalse(it.hasNext());
        try {
            it.next();
            throw new AssertionError("next() past the end must throw");
        } catch (NoSuchElementException expected) {
            // the contract
        }
        assertFalse(it.hasNext());
    }

    // ------------------------------------------------------------------------------- dot values

    /** The same history with every value a {@link io.converge.crdt.causal.Dot} (stored unboxed). */
    static List<Map.Entry<Object, Object>> withDots(List<Op> ops, boolean unique) {
        List<Map.Entry<Object, Object>> out = new ArrayList<>();
        io.converge.crdt.causal.ReplicaId[] ids = {io.converge.crdt.causal.ReplicaId.of("a"),
                io.converge.crdt.causal.ReplicaId.of("b")};
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op instanceof Put p) {
                long counter = unique ? i + 1 : p.value().v() + 1;
                out.add(Map.entry(p.key(), new io.converge.crdt.causal.Dot(ids[p.value().v() % 2], counter)));
            } else {
                out.add(new java.util.AbstractMap.SimpleEntry<>(((Remove) op).key(), null));
            }
        }
        return out;
    }

    static HashTrie<Object, Object> buildDots(List<Map.Entry<Object, Object>> ops, Map<Object, Object> model) {
        HashTrie<Object, Object> t = HashTrie.empty();
        for (Map.Entry<Object, Object> e : ops) {
            if (e.getValue() == null) {
                t = t.remove(e.getKey());
                model.remove(e.getKey());
            } else {
                t = t.put(e.getKey(), e.getValue());
                model.put(e.getKey(), e.getValue());
            }
        }
        return t;
    }

    @Property
    void dotValuesAreStoredUnboxedAndBehaveLikeAnyOtherValue(@ForAll("histories") List<Op> opsA,
            @ForAll("histories") List<Op> opsB, @ForAll Random random) {
        Map<Object, Object> ma = new HashMap<>();
        Map<Object, Object> mb = new HashMap<>();
        HashTrie<Object, Object> a = buildDots(withDots(opsA, false), ma);
        HashTrie<Object, Object> b = buildDots(withDots(opsB, false), mb);
        Set<Object> probes = probesOf(opsA);
        probes.addAll(probesOf(opsB));
        assertHolds(ma, a, probes);
        assertHolds(mb, b, probes);
        HashTrie.Merger<Object, Object> byCounter = (k, l, r) -> l == null ? r : r == null ? l
                : ((io.converge.crdt.causal.Dot) r).counter() > ((io.converge.crdt.causal.Dot) l).counter() ? r : l;
        Map<Object, Object> expected = new HashMap<>(ma);
        mb.forEach((k, v) -> expected.merge(k, v, (l, r) -> byCounter.merge(k, l, r)));
        HashTrie<Object, Object> merged = a.merge(b, byCounter);
        assertHolds(expected, merged, probes);
        assertEqualTries(canonical(expected, random), merged);
        // Putting an equal dot is no change.
        ma.forEach((k, v) -> assertSame(a, a.put(k, new io.converge.crdt.causal.Dot(
                ((io.converge.crdt.causal.Dot) v).replica(), ((io.converge.crdt.causal.Dot) v).counter()))));
    }

    @Property
    void equalDotsThatIdentifyTheirEntriesAreKeptWithoutAskingTheMerger(@ForAll("histories") List<Op> ops,
            @ForAll("histories") List<Op> more) {
        List<Map.Entry<Object, Object>> history = withDots(ops, true);
        Map<Object, Object> ma = new HashMap<>();
        Map<Object, Object> mb = new HashMap<>();
        HashTrie<Object, Object> a = buildDots(history, ma);
        // b: the same history replayed (equal, separate dot objects), then more of its own.
        List<Map.Entry<Object, Object>> extended = new ArrayList<>(withDots(ops, true));
        for (Map.Entry<Object, Object> e : withDots(more, true)) {
            Object v = e.getValue() == null ? null
                    : new io.converge.crdt.causal.Dot(((io.converge.crdt.causal.Dot) e.getValue()).replica(),
                            ((io.converge.crdt.causal.Dot) e.getValue()).counter() + ops.size());
            extended.add(new java.util.AbstractMap.SimpleEntry<>(e.getKey(), v));
        }
        HashTrie<Object, Object> b = buildDots(extended, mb);
        Set<Object> asked = new HashSet<>();
        HashTrie.Merger<Object, Object> newest = new HashTrie.Merger<>() {
            @Override
            public Object merge(Object k, Object l, Object r) {
                if (l != null && l.equals(r)) {
                    asked.add(k);
                }
                return l == null ? r : r == null ? l
                        : ((io.converge.crdt.causal.Dot) r).counter() > ((io.converge.crdt.causal.Dot) l).counter() ? r : l;
            }

            @Override
            public boolean dotsIdentifyEntries() {
                return true;
            }
        };
        Map<Object, Object> expected = new HashMap<>(ma);
        mb.forEach((k, v) -> expected.merge(k, v, (l, r) -> newest.merge(k, l, r)));
        asked.clear();
        HashTrie<Object, Object> merged = a.merge(b, newest);
        Set<Object> probes = probesOf(ops);
        probes.addAll(probesOf(more));
        assertHolds(expected, merged, probes);
        // Keys sharing their whole hash with another key are matched by key, through the merger.
        Map<Integer, Integer> perHash = new HashMap<>();
        Set<Object> union = new HashSet<>(ma.keySet());
        union.addAll(mb.keySet());
        union.forEach(k -> perHash.merge(k.hashCode(), 1, Integer::sum));
        asked.removeIf(k -> perHash.get(k.hashCode()) > 1);
        assertTrue(asked.isEmpty(), () -> "the merger was asked about equal dots of " + asked);
    }

    @Property
    void theBuilderGivesTheTrieThatPutsGive(@ForAll("histories") List<Op> ops, @ForAll boolean dots,
            @ForAll Random random) {
        Map<Object, Object> model = new HashMap<>();
        HashTrie<Object, Object> put = buildDots(dots ? withDots(ops, false) : withVals(ops), model);
        List<Map.Entry<Object, Object>> entries = new ArrayList<>(model.entrySet());
        Collections.shuffle(entries, random);
        HashTrie.Builder<Object, Object> builder = HashTrie.builder();
        entries.forEach(e -> builder.add(e.getKey(), e.getValue()));
        HashTrie<Object, Object> built = builder.build();
        assertHolds(model, built, probesOf(ops));
        assertEqualTries(put, built);
        if (!entries.isEmpty()) {
            HashTrie.Builder<Object, Object> twice = HashTrie.builder();
            entries.forEach(e -> twice.add(e.getKey(), e.getValue()));
            twice.add(entries.get(random.nextInt(entries.size())).getKey(), new Val(9));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, twice::build);
        }
    }

    static List<Map.Entry<Object, Object>> withVals(List<Op> ops) {
        List<Map.Entry<Object, Object>> out = new ArrayList<>();
        for (Op op : ops) {
            out.add(new java.util.AbstractMap.SimpleEntry<>(op instanceof Put p ? p.key() : ((Remove) op).key(),
                    op instanceof Put p ? p.value() : null));
        }
        return out;
    }
}
