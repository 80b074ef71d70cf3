package io.converge.crdt.internal;

import static io.converge.crdt.internal.HashTrieProperties.zeroHashLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.BinaryCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.internal.HashTrieProperties.Coarse;
import io.converge.crdt.internal.HashTrieProperties.Colliding;
import io.converge.crdt.internal.HashTrieProperties.Elder;
import io.converge.crdt.internal.HashTrieProperties.Ranked;
import io.converge.crdt.internal.HashTrieProperties.Younger;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Keys that share their whole 32-bit hash: kept in a deterministic key order (groups larger than
 * a bucket in a collision tree), so that every operation stays O(log n) in their number and
 * tries with the same content are equal and iterate in the same order whatever their history.
 * No test here measures time: the point is that these sizes finish at all (they took seconds to
 * minutes when keys with one hash were scanned linearly) and give the right answers.
 */
class HashTrieCollisionTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    private static <K, V> List<K> keysInOrder(HashTrie<K, V> t) {
        List<K> out = new ArrayList<>();
        for (Iterator<Map.Entry<K, V>> it = t.iterator(); it.hasNext(); ) {
            out.add(it.next().getKey());
        }
        List<K> viaForEach = new ArrayList<>();
        t.forEach((k, v) -> viaForEach.add(k));
        assertEquals(viaForEach, out, "forEach and the iterator agree");
        return out;
    }

    private static <K, V> HashTrie<K, V> putAll(HashTrie<K, V> t, List<Map.Entry<K, V>> entries) {
        for (Map.Entry<K, V> e : entries) {
            t = t.put(e.getKey(), e.getValue());
        }
        return t;
    }

    private static <K, V> HashTrie<K, V> built(Map<K, V> m, Random random) {
        List<Map.Entry<K, V>> entries = new ArrayList<>(m.entrySet());
        Collections.shuffle(entries, random);
        HashTrie.Builder<K, V> b = HashTrie.builder();
        entries.forEach(e -> b.add(e.getKey(), e.getValue()));
        return b.build();
    }

    /** Equal both ways, same digest and hash code, and the same iteration order. */
    private static void assertSameContent(HashTrie<?, ?> expected, HashTrie<?, ?> actual) {
        assertEqualTries(expected, actual);
        assertEquals(keysInOrder(expected), keysInOrder(actual), "iteration order depends on the content only");
    }

    /**
     * Equal both ways, same digest and hash code, and the same iteration order up to keys that
     * tie in the key order (kept in the order they came in): those may be in any order.
     */
    private static void assertEqualTries(HashTrie<?, ?> expected, HashTrie<?, ?> actual) {
        assertEquals(expected, actual);
        assertEquals(actual, expected);
        assertEquals(expected.digest(), actual.digest());
        assertEquals(expected.hashCode(), actual.hashCode());
        List<?> e = keysInOrder(expected);
        List<?> a = keysInOrder(actual);
        assertEquals(e.size(), a.size());
        for (int i = 0; i < e.size(); i++) {
            Object x = e.get(i);
            Object y = a.get(i);
            assertTrue(x.equals(y) || x.hashCode() == y.hashCode() && HashTrie.compareKeys(x, y) == 0,
                    () -> "iteration order depends on the content only: " + x + " against " + y);
        }
    }

    private static <K, V> void assertHolds(Map<K, V> model, HashTrie<K, V> t) {
        assertEquals(model.size(), t.size());
        for (Map.Entry<K, V> e : model.entrySet()) {
            assertEquals(e.getValue(), t.get(e.getKey()), () -> "get(" + e.getKey() + ")");
        }
        assertEquals(model, HashTrieProperties.toMap(iterateEntries(t)));
    }

    private static <K, V> List<Map.Entry<K, V>> iterateEntries(HashTrie<K, V> t) {
        List<Map.Entry<K, V>> out = new ArrayList<>();
        for (Iterator<Map.Entry<K, V>> it = t.iterator(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    private static <K, V> Map<K, V> naiveMerge(Map<K, V> a, Map<K, V> b, HashTrie.Merger<K, V> m) {
        Set<K> keys = new java.util.HashSet<>(a.keySet());
        keys.addAll(b.keySet());
        Map<K, V> out = new HashMap<>();
        for (K k : keys) {
            V r = m.merge(k, a.get(k), b.get(k));
            if (r != null) {
                out.put(k, r);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------- the finding

    @Test
    void anEightyThousandElementFrameOfCollidingLongsDecodesToTheSameSet() {
        int n = 80_000;
        List<Long> elements = new ArrayList<>(n);
        for (int x = 1; x <= n; x++) {
            elements.add(zeroHashLong(x));
        }
        assertTrue(elements.stream().allMatch(e -> e.hashCode() == 0), "Long.hashCode is 0 for all");
        Collections.shuffle(elements, new Random(7));
        BinaryCodec<ORSet<Long>> codec = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.int64()));
        ORSet<Long> set = ORSet.<Long>empty().addAll(A, elements);
        byte[] frame = codec.encodeToBytes(set);
        assertTrue(frame.length < 1 << 20, "fits the default frame: " + frame.length);

        ORSet<Long> decoded = codec.decode(frame);
        assertEquals(n, decoded.size());
        assertEquals(set, decoded);
        assertEquals(decoded, codec.decode(frame), "two decoded copies are equal");
        for (int x = 1; x <= n; x++) {
            assertTrue(decoded.contains(zeroHashLong(x)));
        }
        assertFalse(decoded.contains(zeroHashLong(n + 1)));
        assertFalse(decoded.contains(0L));
        // Deterministic order: the elements of one hash iterate by value, on every JVM.
        List<Long> order = new ArrayList<>(decoded.value());
        List<Long> sorted = new ArrayList<>(order);
        Collections.sort(sorted);
        assertEquals(sorted, order);
        assertEquals(List.copyOf(set.value()), order);
        assertTrue(Arrays.equals(frame, codec.encodeToBytes(decoded)), "re-encodes to the same frame");

        // Joins of colliding halves from two writers, in both directions.
        List<Long> evens = new ArrayList<>();
        List<Long> odds = new ArrayList<>();
        for (int x = 1; x <= n; x++) {
            (x % 2 == 0 ? evens : odds).add(zeroHashLong(x));
        }
        ORSet<Long> e = codec.decode(codec.encodeToBytes(ORSet.<Long>empty().addAll(A, evens)));
        ORSet<Long> o = codec.decode(codec.encodeToBytes(ORSet.<Long>empty().addAll(B, odds)));
        ORSet<Long> joined = e.join(o);
        assertEquals(n, joined.size());
        assertEquals(joined, o.join(e));
        // (A HashSet: the JDK's immutable sets scan colliding elements linearly.)
        assertEquals(new java.util.HashSet<>(decoded.value()), joined.value());
        // Removing one and adding one on the decoded state.
        ORSet<Long> removed = decoded.join(decoded.remove(zeroHashLong(5)));
        assertEquals(n - 1, removed.size());
        assertFalse(removed.contains(zeroHashLong(5)));
        ORSet<Long> added = removed.join(removed.add(A, zeroHashLong(n + 7)));
        assertTrue(added.contains(zeroHashLong(n + 7)));
        assertEquals(n, added.size());
    }

    @Test
    void collidingStringsDecodeToTheSameSet() {
        // "Aa" and "BB" have one hash, so do all strings of k such blocks: 2^k of them.
        int n = 4096;
        List<String> elements = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            for (int b = 11; b >= 0; b--) {
                sb.append((i >>> b & 1) == 0 ? "Aa" : "BB");
            }
            elements.add(sb.toString());
        }
        assertEquals(1, elements.stream().map(String::hashCode).distinct().count());
        BinaryCodec<ORSet<String>> codec = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.string()));
        ORSet<String> set = ORSet.<String>empty().addAll(A, elements);
        ORSet<String> decoded = codec.decode(codec.encodeToBytes(set));
        assertEquals(set, decoded);
        assertEquals(n, decoded.size());
        elements.forEach(s -> assertTrue(decoded.contains(s)));
        assertEquals(elements, List.copyOf(decoded.value()), "by value: the blocks were added in order");
    }

    // ------------------------------------------------------------------------------- put, remove, order

    @Test
    void collidingLongsKeepKeyOrderAndCanonicalContentThroughRandomUpdates() {
        Random random = new Random(11);
        Map<Object, Integer> model = new HashMap<>();
        HashTrie<Object, Integer> t = HashTrie.empty();
        for (int step = 1; step <= 20_000; step++) {
            // Most keys share hash 0; a few are spread, some collide among themselves in the trie.
            Object key = random.nextInt(8) == 0 ? (Object) random.nextInt(5000) : zeroHashLong(random.nextInt(3000));
            if (random.nextInt(3) == 0) {
                HashTrie<Object, Integer> before = t;
                t = t.remove(key);
                boolean had = model.remove(key) != null;
                if (!had) {
                    assertSame(before, t, "removing an absent key returns the trie itself");
                }
            } else {
                int v = random.nextInt(4);
                t = t.put(key, v);
                model.put(key, v);
                assertSame(t, t.put(key, v), "putting the same value returns the trie itself");
            }
            if (step % 4000 == 0) {
                assertHolds(model, t);
                assertSameContent(built(model, random), t);
                List<Map.Entry<Object, Integer>> entries = new ArrayList<>(model.entrySet());
                Collections.shuffle(entries, random);
                assertSameContent(putAll(HashTrie.empty(), entries), t);
                assertNull(t.get(zeroHashLong(3001)));
                List<Long> longs = new ArrayList<>();
                keysInOrder(t).forEach(k -> {
                    if (k instanceof Long l) {
                        longs.add(l);
                    }
                });
                List<Long> sorted = new ArrayList<>(longs);
                Collections.sort(sorted);
                assertEquals(sorted, longs, "the longs of one hash iterate by value");
            }
        }
        List<Object> keys = new ArrayList<>(model.keySet());
        Collections.shuffle(keys, random);
        for (int i = 0; i < keys.size(); i++) {
            t = t.remove(keys.get(i));
            model.remove(keys.get(i));
            if (model.size() < 40 || i % 500 == 0) {
                assertHolds(model, t);
                assertSameContent(built(model, random), t);
            }
        }
        assertTrue(t.isEmpty());
        assertEquals(HashTrie.empty(), t);
    }

    @Test
    void theSameContentReachedThroughDifferentTreeShapesIsEqual() {
        int n = 3000;
        List<Map.Entry<Object, Integer>> entries = new ArrayList<>();
        for (int x = 0; x < n; x++) {
            entries.add(Map.entry(zeroHashLong(x), x % 7));
        }
        HashTrie<Object, Integer> ascending = putAll(HashTrie.empty(), entries);
        List<Map.Entry<Object, Integer>> reversed = new ArrayList<>(entries);
        Collections.reverse(reversed);
        HashTrie<Object, Integer> descending = putAll(HashTrie.empty(), reversed);
        Map<Object, Integer> model = new HashMap<>();
        entries.forEach(e -> model.put(e.getKey(), e.getValue()));
        HashTrie<Object, Integer> fromBuilder = built(model, new Random(3));
        // More keys, then removed again: leaves joined and refilled on the way down.
        HashTrie<Object, Integer> shrunk = ascending;
        for (int x = n; x < 3 * n; x++) {
            shrunk = shrunk.put(zeroHashLong(x), 1);
        }
        for (int x = 3 * n - 1; x >= n; x--) {
            shrunk = shrunk.remove(zeroHashLong(x));
        }
        assertNotEquals(Shape.of(ascending), Shape.of(fromBuilder), "the histories give different trees");
        for (HashTrie<Object, Integer> t : List.of(descending, fromBuilder, shrunk)) {
            assertSameContent(ascending, t);
            assertHolds(model, t);
        }
        Shape shape = Shape.of(fromBuilder);
        assertEquals(1, shape.trees);
        assertTrue(shape.height >= 3, "a tree of branches: " + shape);
        // A changed value or one key more or less is a different content.
        assertNotEquals(ascending, ascending.put(zeroHashLong(17), 99));
        assertNotEquals(ascending, ascending.remove(zeroHashLong(17)));
        assertNotEquals(ascending, ascending.remove(zeroHashLong(17)).put(zeroHashLong(n), 17 % 7));
    }

    @Test
    void aGroupShrinkingToABucketMovesBackInline() {
        HashTrie<Object, Integer> t = HashTrie.empty();
        for (int x = 0; x < 100; x++) {
            t = t.put(zeroHashLong(x), x);
        }
        assertEquals(1, Shape.of(t).trees);
        for (int x = 99; x >= HashTrie.BUCKET; x--) {
            t = t.remove(zeroHashLong(x));
        }
        assertEquals(0, Shape.of(t).trees, "a bucket of colliding keys is inline");
        HashTrie<Object, Integer> fresh = HashTrie.empty();
        for (int x = HashTrie.BUCKET - 1; x >= 0; x--) {
            fresh = fresh.put(zeroHashLong(x), x);
        }
        assertSameContent(fresh, t);
        // And through a merge that drops all but a bucket.
        HashTrie<Object, Integer> big = HashTrie.empty();
        for (int x = 0; x < 100; x++) {
            big = big.put(zeroHashLong(x), x);
        }
        HashTrie<Object, Integer> merged = big.merge(HashTrie.empty(), (k, l, r) -> (Long) k >>> 32 < HashTrie.BUCKET ? l : null);
        assertEquals(0, Shape.of(merged).trees);
        assertSameContent(fresh, merged);
    }

    // ------------------------------------------------------------------------------- classes and ties

    @Test
    void keysOfDifferentClassesWithOneHashIterateByClassThenValue() {
        List<Object> keys = List.of(zeroHashLong(5), "", new Ranked(4), 0, "\0", 0L, new Ranked(0), zeroHashLong(2));
        keys.forEach(k -> assertEquals(0, k.hashCode()));
        // By class name (Ranked < Integer < Long < String), then by value.
        List<Object> expected = List.of(new Ranked(0), new Ranked(4), 0, 0L, zeroHashLong(2), zeroHashLong(5), "", "\0");
        Random random = new Random(5);
        for (int round = 0; round < 20; round++) {
            List<Object> shuffled = new ArrayList<>(keys);
            Collections.shuffle(shuffled, random);
            HashTrie<Object, Integer> t = HashTrie.empty();
            for (Object k : shuffled) {
                t = t.put(k, 1);
            }
            assertEquals(expected, keysInOrder(t));
            // A bucket's worth stays inline, in the same order.
            List<Object> four = shuffled.subList(0, HashTrie.BUCKET);
            HashTrie<Object, Integer> small = HashTrie.empty();
            for (Object k : four) {
                small = small.put(k, 1);
            }
            List<Object> expectedFour = new ArrayList<>(expected);
            expectedFour.retainAll(four);
            assertEquals(expectedFour, keysInOrder(small));
            assertEquals(0, Shape.of(small).trees);
            // Merging two halves gives the same trie and order.
            HashTrie<Object, Integer> left = HashTrie.empty();
            HashTrie<Object, Integer> right = HashTrie.empty();
            for (int i = 0; i < shuffled.size(); i++) {
                if (i % 2 == 0) {
                    left = left.put(shuffled.get(i), 1);
                } else {
                    right = right.put(shuffled.get(i), 1);
                }
            }
            assertSameContent(t, left.merge(right, (k, l, r) -> l != null ? l : r));
            assertSameContent(t, right.merge(left, (k, l, r) -> l != null ? l : r));
        }
    }

    @Test
    void keysEqualAcrossTheirClassesAreOneKey() {
        HashTrie<Object, Integer> t = HashTrie.empty();
        Map<Object, Integer> model = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            Object k = i % 2 == 0 ? new Elder(i) : new Younger(i);
            t = t.put(k, i);
            model.put(k, i);
        }
        assertEquals(1, Shape.of(t).trees);
        // The other class's twin of every key replaces its value.
        for (int i = 0; i < 200; i += 3) {
            Object twin = i % 2 == 0 ? new Younger(i) : new Elder(i);
            t = t.put(twin, -i);
            model.put(twin, -i);
            assertEquals(-i, t.get(twin));
        }
        assertEquals(200, t.size());
        assertHolds(model, t);
        assertSameContent(built(model, new Random(1)), t);
        HashTrie.Builder<Object, Integer> twice = HashTrie.builder();
        twice.add(new Elder(3), 1).add(new Younger(3), 2);
        assertThrows(IllegalArgumentException.class, twice::build);
        for (int i = 0; i < 200; i += 2) {
            t = t.remove(new Younger(i));
            model.remove(new Younger(i));
        }
        assertHolds(model, t);
    }

    @Test
    void keysThatTieInTheOrderAreStillFoundAndCompareAsASet() {
        // Coarse keys tie in threes, Colliding keys (not comparable) all tie: both still work.
        List<Object> keys = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            keys.add(new Coarse(i));
            keys.add(new Colliding(3 * i));
        }
        Random random = new Random(9);
        HashTrie<Object, Integer> t = HashTrie.empty();
        Map<Object, Integer> model = new HashMap<>();
        for (Object k : keys) {
            t = t.put(k, k.toString().length());
            model.put(k, k.toString().length());
        }
        assertHolds(model, t);
        for (int round = 0; round < 3; round++) {
            List<Object> shuffled = new ArrayList<>(keys);
            Collections.shuffle(shuffled, random);
            HashTrie<Object, Integer> other = HashTrie.empty();
            for (Object k : shuffled) {
                other = other.put(k, model.get(k));
            }
            assertEquals(t, other);
            assertEquals(other, t);
            assertEquals(t, built(model, random));
            assertNotEquals(t, other.put(shuffled.get(0), 99));
            assertNotEquals(t, other.remove(shuffled.get(0)));
        }
        assertNull(t.get(new Coarse(300)));
        assertNull(t.get(new Colliding(1)));
        Collections.shuffle(keys, random);
        for (Object k : keys) {
            t = t.remove(k);
            model.remove(k);
            if (model.size() % 97 == 0) {
                assertHolds(model, t);
                assertEquals(built(model, random), t);
            }
        }
        assertTrue(t.isEmpty());
        assertEquals(HashTrie.empty(), t);
    }

    interface Handle extends Comparable<Handle> {
        int rank();

        @Override
        default int compareTo(Handle o) {
            return Integer.compare(rank(), o.rank());
        }
    }

    record UserHandle(int rank) implements Handle {
    }

    @SuppressWarnings("rawtypes")
    record RawComparable(int id) implements Comparable {
        @Override
        public int compareTo(Object o) {
            return Integer.compare(id, ((RawComparable) o).id);
        }
    }

    enum Colour {
        RED, GREEN {
            @Override
            public String toString() {
                return "green";
            }
        }
    }

    @Test
    void theKeyOrderComparesWhatCompareToAllowsAndTiesTheRest() {
        assertTrue(HashTrie.compareKeys(zeroHashLong(1), zeroHashLong(2)) < 0);
        assertTrue(HashTrie.compareKeys("b", "a") > 0);
        assertEquals(0, HashTrie.compareKeys(5L, 5L));
        // Comparable through an interface, and through a superclass across classes.
        assertTrue(HashTrie.compareKeys(new UserHandle(1), new UserHandle(2)) < 0);
        assertTrue(HashTrie.compareKeys(new Elder(5), new Younger(3)) > 0);
        assertEquals(0, HashTrie.compareKeys(new Elder(5), new Younger(5)));
        java.util.Date date = new java.util.Date(1000);
        java.sql.Timestamp later = new java.sql.Timestamp(2000);
        assertTrue(HashTrie.compareKeys(date, later) < 0, "Date and Timestamp compare as dates");
        // Enums by ordinal, also a constant with a body of its own.
        assertTrue(HashTrie.compareKeys(Colour.RED, Colour.GREEN) < 0);
        // Not comparable with itself: ties, and comes before every comparable group.
        assertEquals(0, HashTrie.compareKeys(new RawComparable(1), new RawComparable(2)));
        assertEquals(0, HashTrie.compareKeys(new Colliding(1), new Colliding(2)));
        assertEquals(0, HashTrie.compareKeys(new Colliding(1), new RawComparable(2)));
        assertTrue(HashTrie.compareKeys(new Colliding(1), 0L) < 0);
        assertTrue(HashTrie.compareKeys(0L, new Colliding(1)) > 0);
        // Different comparable groups by the name of the type they compare with.
        assertTrue(HashTrie.compareKeys(0, 0L) < 0, "java.lang.Integer < java.lang.Long");
        assertTrue(HashTrie.compareKeys("", 0L) > 0, "java.lang.String > java.lang.Long");
    }

    // ------------------------------------------------------------------------------- merge

    @Test
    void mergesOfCollidingGroupsFromBothSidesMatchTheModel() {
        Random random = new Random(21);
        for (int round = 0; round < 30; round++) {
            Map<Object, Integer> ma = new HashMap<>();
            Map<Object, Integer> mb = new HashMap<>();
            int range = 1 + random.nextInt(round < 10 ? 40 : 2000);
            for (int i = 0; i < range; i++) {
                // Even rounds: some keys that tie in the key order.
                Object k = round % 2 == 0 && random.nextInt(10) == 0 ? (Object) new Coarse(i) : zeroHashLong(i);
                if (random.nextInt(3) > 0) {
                    ma.put(k, random.nextInt(4));
                }
                if (random.nextInt(3) > 0) {
                    mb.put(k, random.nextInt(4));
                }
            }
            HashTrie<Object, Integer> a = built(ma, random);
            HashTrie<Object, Integer> b = putAll(HashTrie.empty(), new ArrayList<>(mb.entrySet()));
            for (HashTrie.Merger<Object, Integer> m : List.<HashTrie.Merger<Object, Integer>>of(
                    (k, l, r) -> l == null ? r : r == null ? l : Math.max(l, r),
                    (k, l, r) -> l == null || r == null ? null : l,
                    (k, l, r) -> (l == null ? 0 : l) + (r == null ? 0 : r) + 1,
                    (k, l, r) -> k.hashCode() == 0 && (k instanceof Long x ? x : 0) % 3 == 0 ? null : l != null ? l : r)) {
                Map<Object, Integer> expected = naiveMerge(ma, mb, m);
                HashTrie<Object, Integer> merged = a.merge(b, m);
                assertHolds(expected, merged);
                assertEqualTries(built(expected, random), merged);
                assertEqualTries(merged, b.merge(a, (k, l, r) -> m.merge(k, r, l)));
            }
            assertSame(a, a.merge(a, (k, l, r) -> l));
            assertSame(a, a.merge(HashTrie.empty(), (k, l, r) -> l));
            assertSame(b, HashTrie.<Object, Integer>empty().merge(b, (k, l, r) -> r));
            HashTrie<Object, Integer> subset = a;
            for (Object k : ma.keySet()) {
                if (random.nextBoolean()) {
                    subset = subset.remove(k);
                }
            }
            assertSame(a, a.merge(subset, (k, l, r) -> l != null ? l : r), "keeps every left value, gains no key");
            if (round % 2 == 1) {
                // Not promised where keys tie: their order may differ between the sides.
                assertSame(a, subset.merge(a, (k, l, r) -> r != null ? r : l), "keeps every right value, gains no key");
            }
        }
    }

    @Test
    void dotValuesInCollidingGroupsStayUnboxedAndEqual() {
        HashTrie<Object, Object> a = HashTrie.empty();
        HashTrie<Object, Object> b = HashTrie.empty();
        for (int x = 0; x < 500; x++) {
            a = a.put(zeroHashLong(x), new Dot(A, x + 1));
            b = b.put(zeroHashLong(499 - x), new Dot(A, 500 - x));
        }
        assertSameContent(a, b);
        assertEquals(new Dot(A, 8), a.get(zeroHashLong(7)));
        assertSame(a, a.put(zeroHashLong(7), new Dot(A, 8)), "an equal dot is no change");
        HashTrie<Object, Object> c = a.put(zeroHashLong(7), new Dot(B, 8));
        assertNotEquals(a, c);
        HashTrie.Merger<Object, Object> identifying = new HashTrie.Merger<>() {
            @Override
            public Object merge(Object key, Object left, Object right) {
                return left != null ? left : right;
            }

            @Override
            public boolean dotsIdentifyEntries() {
                return true;
            }
        };
        assertSame(a, a.merge(b, identifying));
        assertSameContent(a, b.merge(a, identifying));
    }

    // ------------------------------------------------------------------------------- builder

    @Test
    void theBuilderFindsDuplicatesAmongCollidingKeys() {
        HashTrie.Builder<Object, Integer> ok = HashTrie.builder();
        for (int x = 0; x < 5000; x++) {
            ok.add(zeroHashLong(x), x);
        }
        assertEquals(5000, ok.build().size());
        HashTrie.Builder<Object, Integer> dup = HashTrie.builder();
        for (int x = 0; x < 5000; x++) {
            dup.add(zeroHashLong(x), x);
        }
        dup.add(zeroHashLong(1234), 0);
        assertThrows(IllegalArgumentException.class, dup::build);
        HashTrie.Builder<Object, Integer> tied = HashTrie.builder();
        for (int i = 0; i < 60; i++) {
            tied.add(new Coarse(i), i).add(new Colliding(3 * i), i);
        }
        tied.add(new Coarse(31), 0);
        assertThrows(IllegalArgumentException.class, tied::build);
    }

    // ------------------------------------------------------------------------------- shape

    /** How many collision trees a trie holds and the height of the tallest, read by reflection. */
    record Shape(int trees, int height, int leaves) {
        static Shape of(HashTrie<?, ?> t) {
            try {
                Field root = HashTrie.class.getDeclaredField("root");
                root.setAccessible(true);
                int[] acc = new int[3];
                walk(root.get(t), 0, acc);
                return new Shape(acc[0], acc[1], acc[2]);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }

        private static void walk(Object node, int shift, int[] acc) throws ReflectiveOperationException {
            Object[] kv = (Object[]) field(node, "kv");
            int inline = ((int[]) field(node, "keys")).length;
            if (shift > 30) {
                acc[0]++;
                acc[1] = Math.max(acc[1], height(node, acc));
                return;
            }
            for (int i = 2 * inline; i < kv.length; i++) {
                walk(kv[i], shift + 5, acc);
            }
        }

        private static int height(Object node, int[] acc) throws ReflectiveOperationException {
            if (field(node, "seps") == null) {
                acc[2]++;
                return 1;
            }
            int h = 0;
            for (Object c : (Object[]) field(node, "kv")) {
                h = Math.max(h, height(c, acc));
            }
            return h + 1;
        }

        private static Object field(Object node, String name) throws ReflectiveOperationException {
            Field f = node.getClass().getDeclaredField(name);
            f.setAccessible(true);
            return f.get(node);
        }
    }
}
