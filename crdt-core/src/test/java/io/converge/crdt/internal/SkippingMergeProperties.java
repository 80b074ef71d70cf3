package io.converge.crdt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.internal.HashTrieProperties.Colliding;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * A merge whose merger {@linkplain HashTrie.Merger#keepsEqualEntries keeps equal entries} skips
 * subtrees of equal content; it must give exactly the merge that visits every entry. Keys mix
 * strings (among them {@code "Aa"}/{@code "BB"} blocks, which share a {@code hashCode}), longs
 * of hash 0 (a collision tree), records that all hash alike (only {@code equals} tells them
 * apart: their local digests are opaque) and integers; values are strings or such records. The
 * right side is rebuilt from fresh copies of every key and value, as a decoded state would be,
 * so the two share no object and only content can match.
 */
class SkippingMergeProperties {

    /** A key or value whose hashCode ignores its content: only equals separates two. */
    record Forged(String content) {
        @Override
        public int hashCode() {
            return 7;
        }
    }

    static Arbitrary<Object> keys() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(0, 300).map(i -> (Object) ("e" + i))),
                Tuple.of(2, Arbitraries.of("Aa", "BB", "AaAa", "AaBB", "BBAa", "BBBB").map(s -> (Object) s)),
                Tuple.of(2, Arbitraries.longs().between(0, 30).map(x -> (Object) (x << 32 | x))),
                Tuple.of(1, Arbitraries.integers().between(0, 12).map(i -> (Object) new Colliding(i))),
                Tuple.of(1, Arbitraries.integers().between(0, 12).map(i -> (Object) new Forged("f" + i))),
                Tuple.of(2, Arbitraries.integers().between(0, 200).map(i -> (Object) i)));
    }

    static Arbitrary<Object> values() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of("v", "w", "Aa", "BB").map(s -> (Object) s)),
                Tuple.of(1, Arbitraries.of("v", "w").map(s -> (Object) new Forged(s))));
    }

    @Provide
    Arbitrary<Map<Object, Object>> contents() {
        return Arbitraries.maps(keys(), values()).ofMaxSize(400);
    }

    @Provide
    Arbitrary<Map<Object, Object>> edits() {
        return Arbitraries.maps(keys(), values().injectNull(0.3)).ofMaxSize(12);
    }

    /** A fresh copy of a key or value: equal, but not the same object. */
    static Object copy(Object o) {
        if (o instanceof String s) {
            return new String(s.toCharArray());
        }
        if (o instanceof Long || o instanceof Integer) {
            return o; // immutable and content-hashed: sharing the box changes nothing
        }
        if (o instanceof Colliding c) {
            return new Colliding(c.id());
        }
        if (o instanceof Forged f) {
            return new Forged(new String(f.content().toCharArray()));
        }
        throw new IllegalArgumentException(o.toString());
    }

    static HashTrie<Object, Object> edit(HashTrie<Object, Object> t, Map<Object, Object> edits) {
        for (var e : edits.entrySet()) {
            t = e.getValue() == null ? t.remove(e.getKey()) : t.put(e.getKey(), e.getValue());
        }
        return t;
    }

    /** A merger that keeps the left value on a tie and otherwise the larger string form: not a union. */
    static HashTrie.Merger<Object, Object> merger(boolean skip, int[] calls) {
        return new HashTrie.Merger<>() {
            @Override
            public Object merge(Object key, Object left, Object right) {
                calls[0]++;
                if (left == null) {
                    return key.hashCode() % 3 == 0 ? null : right; // one-sided entries may go
                }
                if (right == null) {
                    return left;
                }
                if (left.equals(right)) {
                    return left;
                }
                return left.toString().compareTo(right.toString()) >= 0 ? left : right;
            }

            @Override
            public boolean keepsEqualEntries() {
                return skip;
            }
        };
    }

    @Property(tries = 300)
    void theSkippingMergeEqualsTheFullMerge(@ForAll("contents") Map<Object, Object> shared,
            @ForAll("edits") Map<Object, Object> left, @ForAll("edits") Map<Object, Object> right) {
        HashTrie.Builder<Object, Object> b = HashTrie.builder();
        shared.forEach(b::add);
        HashTrie<Object, Object> a = edit(b.build(), left);
        // The other side shares nothing: every key and value copied, built anew, then edited.
        HashTrie.Builder<Object, Object> c = HashTrie.builder();
        shared.forEach((k, v) -> c.add(copy(k), copy(v)));
        Map<Object, Object> rightCopy = new HashMap<>();
        right.forEach((k, v) -> rightCopy.put(copy(k), v == null ? null : copy(v)));
        HashTrie<Object, Object> other = edit(c.build(), rightCopy);

        int[] skipping = {0};
        int[] full = {0};
        HashTrie<Object, Object> fast = a.merge(other, merger(true, skipping));
        HashTrie<Object, Object> slow = a.merge(other, merger(false, full));
        assertEquals(slow, fast);
        assertEquals(toMap(slow), toMap(fast));
        assertEquals(slow.digest(), fast.digest());
        assertTrue(skipping[0] <= full[0], "the skipping merge visits no more entries");
        fast.checkLocalDigests();
        // A merged trie is compared again: its carried digests must let it skip exactly as a fresh one.
        HashTrie<Object, Object> again = fast.merge(other, merger(true, skipping));
        assertEquals(fast.merge(other, merger(false, full)), again);
        again.checkLocalDigests();
        // And the other way round.
        assertEquals(other.merge(a, merger(false, full)), other.merge(a, merger(true, skipping)));
    }

    @Property(tries = 300)
    void differencesAreExactlyTheKeysWhoseEntriesDiffer(@ForAll("contents") Map<Object, Object> shared,
            @ForAll("edits") Map<Object, Object> left, @ForAll("edits") Map<Object, Object> right) {
        HashTrie.Builder<Object, Object> b = HashTrie.builder();
        shared.forEach(b::add);
        HashTrie<Object, Object> a = edit(b.build(), left);
        HashTrie<Object, Object> other = HashTrie.empty();
        for (var e : shared.entrySet()) {
            other = other.put(copy(e.getKey()), copy(e.getValue()));
        }
        other = edit(other, right);
        Map<Object, Object> ma = toMap(a);
        Map<Object, Object> mb = toMap(other);
        Set<Object> expected = new HashSet<>();
        for (Object k : ma.keySet()) {
            if (!ma.get(k).equals(mb.get(k))) {
                expected.add(k);
            }
        }
        for (Object k : mb.keySet()) {
            if (!mb.get(k).equals(ma.get(k))) {
                expected.add(k);
            }
        }
        List<Object> found = new ArrayList<>();
        a.forEachDifference(other, found::add);
        assertEquals(expected, new HashSet<>(found));
        assertEquals(found.size(), new HashSet<>(found).size(), "each key once");
    }

    @Example
    void equalHashCodesWithDifferentContentAreNeverSkipped() {
        // Same size, same hash codes, same positions: only the content differs.
        HashTrie<Object, Object> a = HashTrie.empty();
        HashTrie<Object, Object> b = HashTrie.empty();
        for (int i = 0; i < 50; i++) {
            a = a.put("k" + i, "Aa");
            b = b.put("k" + i, i == 17 ? "BB" : "Aa");
        }
        a = a.put(new Forged("x"), new Forged("y"));
        b = b.put(new Forged("x"), new Forged("y"));
        HashTrie<Object, Object> merged = a.merge(b, merger(true, new int[1]));
        assertEquals(a.merge(b, merger(false, new int[1])), merged);
        assertNotEquals(a, merged, "BB > Aa wins at k17");
        assertEquals("BB", merged.get("k17"));

        HashTrie<Object, Object> c = HashTrie.<Object, Object>empty().put(new Forged("p"), "v");
        HashTrie<Object, Object> d = HashTrie.<Object, Object>empty().put(new Forged("q"), "v");
        assertEquals(c.merge(d, merger(false, new int[1])), c.merge(d, merger(true, new int[1])));
    }

    @Example
    void aMergeOfTwoLargeTriesThatDifferInAHundredEntriesVisitsAboutAHundredEntries() {
        int n = 100_000;
        HashTrie.Builder<Object, Object> ba = HashTrie.builder();
        HashTrie.Builder<Object, Object> bb = HashTrie.builder();
        for (int i = 0; i < n; i++) {
            String k = "e" + Integer.toHexString(i * 0x9E3779B1);
            ba.add(k, "v");
            bb.add(new String(k.toCharArray()), new String("v".toCharArray()));
        }
        HashTrie<Object, Object> a = ba.build();
        HashTrie<Object, Object> b = bb.build();
        for (int i = 0; i < 50; i++) {
            a = a.put("only-a-" + i, "v");
            b = b.put("only-b-" + i, "v");
        }
        a.merge(b, merger(true, new int[1])); // digests of the decoded side, computed once
        int[] calls = {0};
        HashTrie<Object, Object> m = a.merge(b, merger(true, calls));
        assertEquals(n + 100 - countDropped(b), m.size());
        // Each differing entry drags in at most the inline entries of its node (32 groups of at
        // most a bucket), whatever n: equal child subtrees are skipped, equal inline neighbours not.
        assertTrue(calls[0] <= 100 * 32 * HashTrie.BUCKET, "merger calls: " + calls[0]);
        int[] diffs = {0};
        a.forEachDifference(b, k -> diffs[0]++);
        assertEquals(100, diffs[0]);
        int[] full = {0};
        a.merge(b, merger(false, full));
        assertTrue(full[0] >= n, "the full merge visits every entry: " + full[0]);
    }

    private static int countDropped(HashTrie<Object, Object> b) {
        int dropped = 0;
        for (int i = 0; i < 50; i++) {
            if (("only-b-" + i).hashCode() % 3 == 0) {
                dropped++;
            }
        }
        return dropped;
    }

    @Example
    void aMergeOfATrieWithItselfReturnsIt() {
        HashTrie<Object, Object> a = HashTrie.empty();
        for (int i = 0; i < 1000; i++) {
            a = a.put(i, "v" + i);
        }
        assertSame(a, a.merge(a, merger(true, new int[1])));
    }

    static Map<Object, Object> toMap(HashTrie<Object, Object> t) {
        Map<Object, Object> m = new HashMap<>();
        t.forEach(m::put);
        return m;
    }

    @Example
    void localDigestsTellEqualHashCodesApart() {
        LocalDigest aa = LocalDigest.ofEntry("Aa", "v", 0);
        LocalDigest bb = LocalDigest.ofEntry("BB", "v", 0);
        assertTrue(!aa.sameSum(bb));
        assertTrue(LocalDigest.ofEntry("Aa", "v", 0).sameSum(aa), "deterministic within a JVM");
        assertTrue(LocalDigest.ofEntry(new Forged("a"), "v", 0).opaque, "hashCode-only input is marked");
        assertTrue(!LocalDigest.ofEntry(1L << 32 | 1L, "v", 0).opaque);
        assertTrue(!LocalDigest.ofEntry(0L, "v", 0).sameSum(LocalDigest.ofEntry(1L << 32 | 1L, "v", 0)));
    }
}
