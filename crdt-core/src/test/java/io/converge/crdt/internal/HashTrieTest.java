package io.converge.crdt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.internal.HashTrieProperties.Colliding;
import io.converge.crdt.internal.HashTrieProperties.Placed;
import io.converge.crdt.internal.HashTrieProperties.Val;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HashTrieTest {
    private static final int BIG = 100_000;

    private static <K, V> HashTrie<K, V> of(Map<K, V> m) {
        HashTrie<K, V> t = HashTrie.empty();
        for (Map.Entry<K, V> e : m.entrySet()) {
            t = t.put(e.getKey(), e.getValue());
        }
        return t;
    }

    private static HashTrie<Object, Integer> ofKeys(Object... keys) {
        HashTrie<Object, Integer> t = HashTrie.empty();
        for (int i = 0; i < keys.length; i++) {
            t = t.put(keys[i], i);
        }
        return t;
    }

    private static <K, V> List<Map.Entry<K, V>> iterate(HashTrie<K, V> t) {
        List<Map.Entry<K, V>> out = new ArrayList<>();
        for (Iterator<Map.Entry<K, V>> it = t.iterator(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    @Test
    void placedKeysLandWhereTheirSpreadHashSays() throws Exception {
        // The trie's private spreading function: the one static method from Object to int.
        Method hash = null;
        for (Method m : HashTrie.class.getDeclaredMethods()) {
            if (java.lang.reflect.Modifier.isStatic(m.getModifiers()) && m.getReturnType() == int.class
                    && java.util.Arrays.equals(m.getParameterTypes(), new Class<?>[] {Object.class})) {
                assertNull(hash, "two candidate spreading functions");
                hash = m;
            }
        }
        assertTrue(hash != null, "HashTrie has no static int f(Object)");
        hash.setAccessible(true);
        Random random = new Random(1);
        for (int i = 0; i < 1000; i++) {
            int s = random.nextInt();
            assertEquals(s, (int) hash.invoke(null, new Placed(s, 0)), "Placed keys land where the test says");
            assertEquals(HashTrieProperties.spread(s), (int) hash.invoke(null, s));
            assertEquals(s, HashTrieProperties.unspread(HashTrieProperties.spread(s)));
        }
    }

    // ------------------------------------------------------------------------------- iterator

    @Test
    void theEmptyTrieIteratesNothingAndNextThrows() {
        Iterator<Map.Entry<String, String>> it = HashTrie.<String, String>empty().iterator();
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        assertFalse(it.hasNext());
    }

    @Test
    void nextAfterTheLastEntryThrowsNoSuchElementException() {
        HashTrie<Object, Integer> t = ofKeys("a", "b", new Colliding(0), new Colliding(3), 0);
        Iterator<Map.Entry<Object, Integer>> it = t.iterator();
        for (int i = 0; i < t.size(); i++) {
            assertTrue(it.hasNext());
            it.next();
        }
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void hasNextDoesNotAdvanceTheIterator() {
        HashTrie<Object, Integer> t = ofKeys("a", "b", "c");
        Iterator<Map.Entry<Object, Integer>> it = t.iterator();
        for (int i = 0; i < 10; i++) {
            assertTrue(it.hasNext());
        }
        assertEquals(3, iterate(t).size());
        int n = 0;
        while (it.hasNext() && it.hasNext()) {
            it.next();
            n++;
        }
        assertEquals(3, n);
    }

    @Test
    void theIteratorDoesNotSupportRemove() {
        Iterator<Map.Entry<Object, Integer>> it = ofKeys("a").iterator();
        it.next();
        assertThrows(UnsupportedOperationException.class, it::remove);
    }

    @Test
    void aHundredThousandEntriesIterateOnceEachInForEachOrder() {
        HashTrie<Integer, Integer> t = HashTrie.empty();
        for (int i = 0; i < BIG; i++) {
            t = t.put(i, -i);
        }
        assertEquals(BIG, t.size());
        boolean[] seen = new boolean[BIG];
        List<Integer> order = new ArrayList<>(BIG);
        for (Iterator<Map.Entry<Integer, Integer>> it = t.iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Integer> e = it.next();
            assertFalse(seen[e.getKey()], "visited twice");
            seen[e.getKey()] = true;
            assertEquals(-e.getKey(), e.getValue());
            order.add(e.getKey());
        }
        assertEquals(BIG, order.size());
        List<Integer> forEachOrder = new ArrayList<>(BIG);
        t.forEach((k, v) -> forEachOrder.add(k));
        assertEquals(forEachOrder, order);
        for (int i = 0; i < BIG; i++) {
            assertEquals(-i, t.get(i));
        }
        assertNull(t.get(BIG));
    }

    @Test
    void aHundredThousandEntriesInsertedInAnyOrderGiveEqualTriesAndRemoveToEmpty() {
        List<Integer> keys = new ArrayList<>();
        for (int i = 0; i < BIG; i++) {
            keys.add(i * 31 + 7);
        }
        HashTrie<Integer, Integer> ascending = HashTrie.empty();
        for (int k : keys) {
            ascending = ascending.put(k, k);
        }
        Collections.shuffle(keys, new Random(42));
        HashTrie<Integer, Integer> shuffled = HashTrie.empty();
        for (int k : keys) {
            shuffled = shuffled.put(k, k);
        }
        assertEquals(ascending, shuffled);
        assertEquals(ascending.hashCode(), shuffled.hashCode());
        HashTrie<Integer, Integer> t = shuffled;
        Collections.shuffle(keys, new Random(43));
        for (int i = 0; i < keys.size(); i++) {
            t = t.remove(keys.get(i));
            if (i == BIG / 2) {
                HashTrie<Integer, Integer> fresh = HashTrie.empty();
                for (int k : keys.subList(i + 1, keys.size())) {
                    fresh = fresh.put(k, k);
                }
                assertEquals(fresh, t, "half removed: canonical");
            }
        }
        assertTrue(t.isEmpty());
        assertEquals(HashTrie.empty(), t);
        assertEquals(BIG, shuffled.size(), "the old version is untouched");
    }

    @Test
    void mergingTwoLargeOverlappingTriesMatchesTheModel() {
        HashTrie<Integer, Integer> a = HashTrie.empty();
        HashTrie<Integer, Integer> b = HashTrie.empty();
        Map<Integer, Integer> expected = new HashMap<>();
        for (int i = 0; i < BIG; i++) {
            if (i % 3 != 0) {
                a = a.put(i, i);
            }
            if (i % 2 == 0) {
                b = b.put(i, 2 * i);
            }
        }
        for (int i = 0; i < BIG; i++) {
            if (i % 3 != 0 && i % 2 == 0) {
                expected.put(i, 3 * i);
            } else if (i % 3 != 0) {
                expected.put(i, i);
            } else if (i % 2 == 0) {
                expected.put(i, 2 * i);
            }
        }
        HashTrie<Integer, Integer> merged = a.merge(b, (k, l, r) -> l == null ? r : r == null ? l : l + r);
        assertEquals(expected.size(), merged.size());
        assertEquals(of(expected), merged);
        // Derived from a: the merge keeps a's subtrees and returns a itself when nothing changes.
        HashTrie<Integer, Integer> derived = a.put(1, 1);
        assertSame(a, a.merge(derived, (k, l, r) -> l != null ? l : r));
        HashTrie<Integer, Integer> changed = a.merge(a.put(1, 100), (k, l, r) -> r);
        assertEquals(100, changed.get(1));
        assertEquals(a.size(), changed.size());
    }

    @Test
    void mergeOfTwoEmptyTriesReturnsTheLeftTrie() {
        // Removing the last key makes an empty trie that is not the shared empty one; merging it
        // keeps every left value and gains no key, so merge must return it (DotMapBase relies on
        // reference equality to detect an unchanged store).
        HashTrie<String, Integer> emptied = HashTrie.<String, Integer>empty().put("a", 1).remove("a");
        assertTrue(emptied.isEmpty());
        assertSame(emptied, emptied.merge(emptied, (k, l, r) -> l));
        assertSame(emptied, emptied.merge(HashTrie.empty(), (k, l, r) -> l));
    }

    // ------------------------------------------------------------------------------- collisions

    @Test
    void keysWithEqualHashesAreAllKeptAndCompareAsASet() {
        Map<Object, Integer> m = new HashMap<>();
        HashTrie<Object, Integer> t = HashTrie.empty();
        for (int i = 0; i < 30; i++) {
            t = t.put(new Colliding(i), i);
            m.put(new Colliding(i), i);
        }
        // Integers 0, 1 and 2 have the same hashCode as the Colliding keys.
        for (int i = 0; i < 3; i++) {
            t = t.put(i, 100 + i);
            m.put(i, 100 + i);
        }
        assertEquals(33, t.size());
        assertEquals(m, HashTrieProperties.toMap(iterate(t)));
        for (Map.Entry<Object, Integer> e : m.entrySet()) {
            assertEquals(e.getValue(), t.get(e.getKey()));
        }
        assertNull(t.get(new Colliding(30)));
        assertNull(t.get(3));
        HashTrie<Object, Integer> reversed = HashTrie.empty();
        List<Map.Entry<Object, Integer>> entries = new ArrayList<>(m.entrySet());
        Collections.reverse(entries);
        for (Map.Entry<Object, Integer> e : entries) {
            reversed = reversed.put(e.getKey(), e.getValue());
        }
        assertEquals(t, reversed, "keys with equal hashes compare as a set");
        assertEquals(t.hashCode(), reversed.hashCode());
        for (int i = 0; i < 30; i++) {
            t = t.remove(new Colliding(i));
        }
        assertEquals(3, t.size());
        assertEquals(HashTrie.<Object, Integer>empty().put(0, 100).put(1, 101).put(2, 102), t);
    }

    @Test
    void keysDifferingOnlyInTheTopTwoBitsShareEveryLowerLevel() {
        Placed a = new Placed(0, 0);
        Placed b = new Placed(1 << 30, 0);
        Placed c = new Placed(1 << 31, 0);
        Placed d = new Placed(3 << 30, 0);
        Placed e = new Placed(0, 1); // full collision with a
        HashTrie<Object, Integer> t = ofKeys(a, b, c, d, e);
        assertEquals(5, t.size());
        assertEquals(List.of(0, 1, 2, 3, 4), List.of(t.get(a), t.get(b), t.get(c), t.get(d), t.get(e)));
        assertNull(t.get(new Placed(1 << 29, 0)));
        assertNull(t.get(new Placed(0, 2)));
        assertEquals(ofKeys(a, b, c, d, e), ofKeys(a, b, c, d, e).remove("x"));
        HashTrie<Object, Integer> noCollision = t.remove(e);
        assertEquals(ofKeys(a, b, c, d), noCollision);
        assertEquals(ofKeys(a, b), t.remove(c).remove(d).remove(e));
        assertEquals(HashTrie.empty().put(e, 4), t.remove(a).remove(b).remove(c).remove(d));
    }

    @Test
    void removingTheLastKeyOfASubtreeKeepsCanonicalForm() {
        Placed deep1 = new Placed(0, 0);
        Placed deep2 = new Placed(1 << 30, 0);
        Placed shallow = new Placed(1, 0);
        HashTrie<Object, Integer> t = HashTrie.<Object, Integer>empty().put(deep1, 1).put(deep2, 2).put(shallow, 3);
        HashTrie<Object, Integer> removed = t.remove(deep2);
        HashTrie<Object, Integer> fresh = HashTrie.<Object, Integer>empty().put(deep1, 1).put(shallow, 3);
        assertEquals(fresh, removed);
        assertEquals(removed, fresh);
        // The same through a merge that drops the deep key.
        HashTrie<Object, Integer> merged = t.merge(HashTrie.empty(), (k, l, r) -> k.equals(deep2) ? null : l);
        assertEquals(fresh, merged);
        assertEquals(merged, fresh);
        // And a run of equal hashes shrinking to one key leaves the canonical form.
        Placed twin = new Placed(0, 1);
        HashTrie<Object, Integer> withTwin = fresh.put(twin, 4);
        assertEquals(fresh, withTwin.remove(twin));
        assertEquals(HashTrie.empty().put(twin, 4).put(shallow, 3), withTwin.remove(deep1));
        assertEquals(HashTrie.empty().put(twin, 4).put(shallow, 3),
                withTwin.merge(HashTrie.empty(), (k, l, r) -> k.equals(deep1) ? null : l));
    }

    // ------------------------------------------------------------------------------- put, remove, equals

    @Test
    void puttingTheSameValueReferenceReturnsTheTrieItself() {
        Val v = new Val(1);
        HashTrie<Object, Val> t = HashTrie.<Object, Val>empty().put("a", v).put(new Colliding(0), v).put(new Colliding(3), v);
        assertSame(t, t.put("a", v));
        assertSame(t, t.put(new Colliding(3), v));
        HashTrie<Object, Val> equalValue = t.put("a", new Val(1));
        assertNotSame(t, equalValue);
        assertEquals(t, equalValue);
        assertSame(t, t.remove("absent"));
        assertSame(t, t.remove(new Colliding(6)));
    }

    @Test
    void nullKeysAndValuesAreRejected() {
        HashTrie<String, String> t = HashTrie.empty();
        assertThrows(NullPointerException.class, () -> t.put(null, "v"));
        assertThrows(NullPointerException.class, () -> t.put("k", null));
    }

    @Test
    void equalsRejectsOtherTypesAndDifferentContent() {
        HashTrie<Object, Integer> t = ofKeys("a", "b");
        assertNotEquals(t, null);
        assertNotEquals(t, "a string");
        assertNotEquals(t, ofKeys("a"));
        assertNotEquals(t, ofKeys("b", "a"), "same keys, values swapped");
        assertEquals(t, ofKeys("a", "b"));
    }

    @Test
    void toStringShowsTenEntriesAndHowManyMore() {
        HashTrie<Integer, Integer> t = HashTrie.empty();
        for (int i = 0; i < 25; i++) {
            t = t.put(i, i);
        }
        String s = t.toString();
        assertTrue(s.endsWith(", … 15 more}"), s);
        assertEquals("{}", HashTrie.empty().toString());
        assertEquals("{a=1}", HashTrie.empty().put("a", 1).toString());
    }

    @Test
    void allMatchStopsAtTheFirstFailure() {
        HashTrie<Integer, Integer> t = HashTrie.empty();
        for (int i = 0; i < 100; i++) {
            t = t.put(i, i);
        }
        int[] calls = {0};
        assertFalse(t.allMatch((k, v) -> ++calls[0] < 5));
        assertEquals(5, calls[0]);
        assertTrue(t.allMatch((k, v) -> k.equals(v)));
        assertTrue(HashTrie.<Integer, Integer>empty().allMatch((k, v) -> false));
    }

    @Test
    void aBuiltTriesLocalDigestIsTheOneItsEntriesGiveWhateverTheBuildOrder() {
        // Strings of "Aa"/"BB" blocks share one hashCode: more than a bucket of them below the last level.
        List<Object> keys = new ArrayList<>();
        for (int m = 0; m < 64; m++) {
            StringBuilder sb = new StringBuilder();
            for (int bit = 0; bit < 6; bit++) {
                sb.append((m >> bit & 1) == 0 ? "Aa" : "BB");
            }
            keys.add(sb.toString());
        }
        for (int i = 0; i < 5000; i++) {
            keys.add("e" + i);
        }
        Random random = new Random(7);
        HashTrie.Builder<Object, Object> b = HashTrie.builder();
        HashTrie<Object, Object> stepwise = HashTrie.empty();
        Collections.shuffle(keys, random);
        for (Object k : keys) {
            Object v = random.nextBoolean() ? io.converge.crdt.causal.Dot.of("r" + random.nextInt(3), 1 + random.nextInt(9))
                    : (Object) ("v" + random.nextInt(5));
            b.add(k, v);
            stepwise = stepwise.put(k, v);
        }
        HashTrie<Object, Object> built = b.build();
        LocalDigest expected = stepwise.localDigest();
        LocalDigest actual = built.localDigest();
        assertTrue(actual.sameSum(expected) && !actual.opaque, "built digest equals the entries' sum");
        // The children's digests the builder kept are the ones a join compares: one changed entry
        // must still be found.
        HashTrie<Object, Object> changed = stepwise.put(keys.get(0), "changed");
        HashTrie.Merger<Object, Object> right = new HashTrie.Merger<>() {
            @Override
            public Object merge(Object key, Object left, Object r) {
                return r != null ? r : left;
            }

            @Override
            public boolean keepsEqualEntries() {
                return true;
            }
        };
        HashTrie<Object, Object> joined = built.merge(changed, right);
        assertEquals("changed", joined.get(keys.get(0)));
        assertEquals(changed, joined);
    }
}
