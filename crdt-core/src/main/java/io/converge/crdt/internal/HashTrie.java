package io.converge.crdt.internal;

import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * A persistent hash map that is the store behind the map- and set-shaped CRDTs: a hash array
 * mapped trie whose nodes keep small groups of entries inline (a bucketed variant of CHAMP,
 * Steindorfer and Vinju, OOPSLA 2015).
 *
 * <h2>Why this structure</h2>
 * <ul>
 *   <li><b>Structural sharing.</b> {@link #put} and {@link #remove} copy only the nodes on one
 *       path, so applying a one-element delta to a state of a million elements costs well under a
 *       microsecond and the old state stays valid (values stay immutable).
 *   <li><b>Structural join.</b> {@link #merge} walks two tries side by side, node against node,
 *       and returns the left (or right) node itself wherever the merge leaves a subtree unchanged.
 *   <li><b>Canonical form.</b> The shape depends only on the content, so equal maps have equal
 *       shapes and equality is a parallel walk.
 *   <li><b>Few bytes per entry.</b> A node keeps every group of at most {@value #BUCKET} entries
 *       that share the next five hash bits inline, in flat arrays sorted by hash; only larger
 *       groups become a child. Nodes therefore hold a dozen entries or more rather than two or three, and
 *       a value that is a {@link Dot} is stored unboxed (its replica in the value slot, its
 *       counter in a parallel {@code long[]}): an element of an OR-Set costs about 28 bytes
 *       besides the element itself.
 * </ul>
 *
 * <h2>Layout</h2> A node at depth {@code d} looks at hash bits {@code [5d, 5d + 5)} (the
 * "fragment"). {@code nodeMap} marks fragments whose entries live in a child, {@code dataMap}
 * fragments whose entries are inline. Inline entries are sorted by their bit-reversed hash, which
 * keeps every fragment's group contiguous at every depth; below bit 30 all remaining keys with
 * equal hashes stay inline in one group. A fragment is a child exactly when it has more than
 * {@value #BUCKET} entries (and hash bits remain), which makes the form canonical.
 *
 * <p>Immutable and safe to share between threads. Keys and values are never null.
 *
 * @param <K> key type, with consistent {@code equals} and {@code hashCode}
 * @param <V> value type
 */
public final class HashTrie<K, V> {
    private static final int BITS = 5;
    private static final int MASK = (1 << BITS) - 1;
    /** Largest group of entries with the same fragment kept inline. */
    static final int BUCKET = 4;
    /** The last shift with hash bits left; groups there stay inline whatever their size. */
    private static final int LAST_SHIFT = 30;
    private static final Node EMPTY_NODE = new Node(0, 0, new int[0], new Object[0], null, 0, 0);
    private static final HashTrie<?, ?> EMPTY = new HashTrie<>(EMPTY_NODE);

    /**
     * How two tries combine, entry by entry. {@code left} or {@code right} is null where that side
     * lacks the key (never both). Return null to drop the key, {@code left} (the same reference)
     * to keep the left entry unchanged, or any other value.
     */
    @FunctionalInterface
    public interface Merger<K, V> {
        V merge(K key, V left, V right);

        /**
         * Whether two values met at the same position are known, from the values alone, to be the
         * same entry of the same key, so that the merge keeps the left one without comparing
         * keys or calling {@link #merge}. Comparing keys is what touches most memory in a merge
         * of two replicas that share most entries as separate objects. Default: never.
         */
        default boolean sameEntry(V left, V right) {
            return false;
        }

        /**
         * Whether two equal {@link Dot} values always belong to the same key (true of dot sets,
         * where a dot names one write of one element), so that stored dots can be compared
         * without unboxing them or reading keys. Default: false.
         */
        default boolean dotsIdentifyEntries() {
            return false;
        }
    }

    private final Node root;

    private HashTrie(Node root) {
        this.root = root;
    }

    /** The empty map. */
    @SuppressWarnings("unchecked")
    public static <K, V> HashTrie<K, V> empty() {
        return (HashTrie<K, V>) EMPTY;
    }

    private static int spread(Object key) {
        int h = key.hashCode();
        // Spread the bits: String and Integer hashes are weak in their low bits.
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        return h;
    }

    /** The order of inline entries: bit-reversed hash, as a signed int. */
    private static int sortKey(int hash) {
        return Integer.reverse(hash) ^ Integer.MIN_VALUE;
    }

    private static int hashOf(int sortKey) {
        return Integer.reverse(sortKey ^ Integer.MIN_VALUE);
    }

    private static int fragment(int sortKey, int shift) {
        return (hashOf(sortKey) >>> shift) & MASK;
    }

    /** A builder for a trie of many entries at once, cheaper than one {@link #put} per entry. */
    public static <K, V> Builder<K, V> builder() {
        return new Builder<>();
    }

    /**
     * Collects entries and builds the trie in one pass: O(n log n) over int sort keys, instead
     * of n path copies. Not thread-safe; use once.
     */
    public static final class Builder<K, V> {
        private final Run run = new Run(16);

        private Builder() {
        }

        /** Adds an entry; keys must be distinct (checked by {@link #build}). */
        public Builder<K, V> add(K key, V value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            run.add(sortKey(spread(key)), key, slotOf(value), counterOf(value));
            return this;
        }

        /**
         * The trie of the added entries.
         *
         * @throws IllegalArgumentException if two added keys are equal
         */
        public HashTrie<K, V> build() {
            int n = run.n;
            if (n == 0) {
                return empty();
            }
            long[] order = new long[n];
            for (int i = 0; i < n; i++) {
                order[i] = (long) run.keys[i] << 32 | i;
            }
            Arrays.sort(order);
            Run sorted = new Run(n);
            for (int i = 0; i < n; i++) {
                int j = (int) order[i];
                int sk = run.keys[j];
                Object key = run.kv[2 * j];
                for (int p = sorted.n - 1; p >= 0 && sorted.keys[p] == sk; p--) {
                    if (sorted.kv[2 * p].equals(key)) {
                        throw new IllegalArgumentException("duplicate key " + key);
                    }
                }
                sorted.add(sk, key, run.kv[2 * j + 1], run.counters[j]);
            }
            return new HashTrie<>(sorted.build(0, n, 0));
        }
    }

    /** Number of entries. O(1). */
    public int size() {
        return root.size;
    }

    /** Whether the map is empty. */
    public boolean isEmpty() {
        return root.size == 0;
    }

    /** The value for {@code key}, or null. O(log n). */
    @SuppressWarnings("unchecked")
    public V get(K key) {
        int h = spread(key);
        return (V) root.find(key, h, sortKey(h), 0);
    }

    /** Whether {@code key} is present. */
    public boolean containsKey(K key) {
        return get(key) != null;
    }

    /** This map with {@code key ↦ value}; {@code this} if the value is already the same (dots: equal). */
    public HashTrie<K, V> put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        int h = spread(key);
        Node r = root.put(key, value, h, sortKey(h), 0);
        return r == root ? this : new HashTrie<>(r);
    }

    /** This map without {@code key}; {@code this} if it was absent. */
    public HashTrie<K, V> remove(K key) {
        int h = spread(key);
        Node r = root.remove(key, h, sortKey(h), 0);
        return r == root ? this : r.size == 0 ? empty() : new HashTrie<>(r);
    }

    /**
     * Merges two maps entry by entry. Subtrees (and the whole map) are shared with the inputs
     * wherever the merger returns the left value, or where it returns the right value and the
     * right subtree is unchanged. O(n + m) in the worst case, less where one side lacks whole
     * subtrees and the merger keeps them untouched.
     */
    @SuppressWarnings("unchecked")
    public HashTrie<K, V> merge(HashTrie<K, V> other, Merger<K, V> merger) {
        Node r = new Merge((Merger<Object, Object>) merger).merge(root, other.root, 0);
        if (r == null || r.size == 0) {
            return isEmpty() ? this : other.isEmpty() ? other : empty();
        }
        return r == root ? this : r == other.root ? other : new HashTrie<>(r);
    }

    /**
     * An iterator over the entries, in the same order as {@link #forEach}. The trie is immutable,
     * so the iterator never fails on concurrent modification.
     */
    public java.util.Iterator<java.util.Map.Entry<K, V>> iterator() {
        return new Iter<>(root);
    }

    /** Calls {@code action} for every entry, in an order fixed by the keys' hashes. */
    @SuppressWarnings("unchecked")
    public void forEach(BiConsumer<? super K, ? super V> action) {
        root.forEach((BiConsumer<Object, Object>) action);
    }

    /** Whether {@code test} holds for every entry; stops at the first that fails. */
    @SuppressWarnings("unchecked")
    public boolean allMatch(BiPredicate<? super K, ? super V> test) {
        return root.allMatch((BiPredicate<Object, Object>) test);
    }

    /**
     * A 64-bit digest of the content ({@link Digests}): the sum of the entries' digests, so
     * independent of order and kept up to date by every operation; O(1).
     */
    public long digest() {
        return root.digest;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof HashTrie<?, ?> t) || t.size() != size()) {
            return false;
        }
        return Node.same(root, t.root);
    }

    @Override
    public int hashCode() {
        long d = digest();
        return (int) (d ^ (d >>> 32));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        int[] n = {0};
        forEach((k, v) -> {
            if (n[0] < 10) {
                sb.append(n[0] == 0 ? "" : ", ").append(k).append('=').append(v);
            }
            n[0]++;
        });
        if (n[0] > 10) {
            sb.append(", … ").append(n[0] - 10).append(" more");
        }
        return sb.append('}').toString();
    }

    // ------------------------------------------------------------------------------------------

    /** An entry's share of the content digest: order-independent once summed. */
    private static long entryHash(Object k, Object slot, long counter) {
        long v = counter != 0 ? Digests.ofDot((ReplicaId) slot, counter) : Digests.ofObject(slot);
        return Digests.pair(Digests.ofObject(k), v);
    }

    /** The value slot and counter a value is stored as: dots unboxed, anything else as itself. */
    private static Object slotOf(Object value) {
        return value instanceof Dot d ? d.replica() : value;
    }

    private static long counterOf(Object value) {
        return value instanceof Dot d ? d.counter() : 0;
    }

    private static Object valueOf(Object slot, long counter) {
        return counter != 0 ? new Dot((ReplicaId) slot, counter) : slot;
    }

    /** Whether two stored values are equal. */
    private static boolean sameValue(Object s1, long c1, Object s2, long c2) {
        if (c1 != c2) {
            return false;
        }
        return s1 == s2 || s1.equals(s2);
    }

    /**
     * A trie node: inline entries (sort keys, key/value pairs, dot counters) and children. The
     * first {@code 2 n} slots of {@code kv} are the inline entries' keys and value slots, the
     * rest the children in fragment order.
     */
    private static final class Node {
        final int dataMap;
        final int nodeMap;
        final int[] keys;
        final Object[] kv;
        /** Null when no inline value is a dot; else the dots' counters (0 for other values). */
        final long[] counters;
        final int size;
        /** Sum of the entries' digests ({@link Digests}), kept up to date. */
        final long digest;

        Node(int dataMap, int nodeMap, int[] keys, Object[] kv, long[] counters, int size, long digest) {
            this.dataMap = dataMap;
            this.nodeMap = nodeMap;
            this.keys = keys;
            this.kv = kv;
            this.counters = counters;
            this.size = size;
            this.digest = digest;
        }

        long counter(int i) {
            return counters == null ? 0 : counters[i];
        }

        Object key(int i) {
            return kv[2 * i];
        }

        Object slot(int i) {
            return kv[2 * i + 1];
        }

        Object value(int i) {
            return valueOf(kv[2 * i + 1], counter(i));
        }

        long entryDigest(int i) {
            return entryHash(kv[2 * i], kv[2 * i + 1], counter(i));
        }

        /** The inline group {@code [from, to)} (at most a bucket) as a node one level down. */
        Node groupNode(int from, int to, int shift) {
            Run r = new Run(to - from);
            for (int i = from; i < to; i++) {
                r.add(keys[i], kv[2 * i], kv[2 * i + 1], counter(i));
            }
            return r.build(0, r.n, shift);
        }

        long groupDigest(int from, int to) {
            long d = 0;
            for (int i = from; i < to; i++) {
                d += entryDigest(i);
            }
            return d;
        }

        /** Whether this (all inline) node holds exactly {@code n}'s entries {@code [from, to)}, same references. */
        boolean holdsGroup(Node n, int from, int to) {
            if (nodeMap != 0 || keys.length != to - from) {
                return false;
            }
            for (int i = 0; i < keys.length; i++) {
                int j = from + i;
                if (keys[i] != n.keys[j] || kv[2 * i] != n.kv[2 * j] || kv[2 * i + 1] != n.kv[2 * j + 1]
                        || counter(i) != n.counter(j)) {
                    return false;
                }
            }
            return true;
        }

        Node child(int bit) {
            return (Node) kv[2 * keys.length + Integer.bitCount(nodeMap & (bit - 1))];
        }

        int childIndex(int bit) {
            return 2 * keys.length + Integer.bitCount(nodeMap & (bit - 1));
        }

        /** First inline index whose sort key is not below {@code sk}. */
        int lowerBound(int sk) {
            int lo = 0;
            int hi = keys.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (keys[mid] < sk) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /** Inline index of {@code key}, or {@code -(insertion point) - 1}. */
        int indexOf(Object key, int sk) {
            int i = lowerBound(sk);
            int n = keys.length;
            int j = i;
            while (j < n && keys[j] == sk) {
                Object k = kv[2 * j];
                if (k == key || k.equals(key)) {
                    return j;
                }
                j++;
            }
            return -j - 1;
        }

        Object find(Object key, int h, int sk, int shift) {
            Node n = this;
            while (true) {
                int bit = 1 << ((h >>> shift) & MASK);
                if ((n.nodeMap & bit) != 0) {
                    n = n.child(bit);
                    shift += BITS;
                    continue;
                }
                if ((n.dataMap & bit) == 0) {
                    return null;
                }
                int i = n.indexOf(key, sk);
                return i < 0 ? null : n.value(i);
            }
        }

        /** The inline range {@code [from, to)} of the group with fragment {@code frag} around index {@code at}. */
        private int groupStart(int at, int frag, int shift) {
            int i = at;
            while (i > 0 && fragment(keys[i - 1], shift) == frag) {
                i--;
            }
            return i;
        }

        private int groupEnd(int at, int frag, int shift) {
            int i = at;
            while (i < keys.length && fragment(keys[i], shift) == frag) {
                i++;
            }
            return i;
        }

        Node put(Object key, Object value, int h, int sk, int shift) {
            int frag = (h >>> shift) & MASK;
            int bit = 1 << frag;
            Object slot = slotOf(value);
            long ctr = counterOf(value);
            if ((nodeMap & bit) != 0) {
                int ci = childIndex(bit);
                Node old = (Node) kv[ci];
                Node nw = old.put(key, value, h, sk, shift + BITS);
                if (nw == old) {
                    return this;
                }
                Object[] c = kv.clone();
                c[ci] = nw;
                return new Node(dataMap, nodeMap, keys, c, counters, size - old.size + nw.size,
                        digest - old.digest + nw.digest);
            }
            int i = indexOf(key, sk);
            if (i >= 0) {
                Object oldSlot = kv[2 * i + 1];
                long oldCtr = counter(i);
                if (oldSlot == slot && oldCtr == ctr || ctr != 0 && sameValue(oldSlot, oldCtr, slot, ctr)) {
                    return this;
                }
                Object[] c = kv.clone();
                c[2 * i + 1] = slot;
                long[] cs = counters;
                if (ctr != 0 || oldCtr != 0) {
                    cs = counters == null ? new long[keys.length] : counters.clone();
                    cs[i] = ctr;
                }
                return new Node(dataMap, nodeMap, keys, c, cs, size,
                        digest - entryHash(kv[2 * i], oldSlot, oldCtr) + entryHash(key, slot, ctr));
            }
            int at = -i - 1;
            long d = digest + entryHash(key, slot, ctr);
            int n = keys.length;
            int from = (dataMap & bit) == 0 ? at : groupStart(at, frag, shift);
            int to = (dataMap & bit) == 0 ? at : groupEnd(at, frag, shift);
            if (to - from + 1 <= BUCKET || shift >= LAST_SHIFT) {
                int[] k2 = new int[n + 1];
                System.arraycopy(keys, 0, k2, 0, at);
                k2[at] = sk;
                System.arraycopy(keys, at, k2, at + 1, n - at);
                Object[] c = new Object[kv.length + 2];
                System.arraycopy(kv, 0, c, 0, 2 * at);
                c[2 * at] = key;
                c[2 * at + 1] = slot;
                System.arraycopy(kv, 2 * at, c, 2 * at + 2, kv.length - 2 * at);
                long[] cs = null;
                if (counters != null || ctr != 0) {
                    cs = new long[n + 1];
                    if (counters != null) {
                        System.arraycopy(counters, 0, cs, 0, at);
                        System.arraycopy(counters, at, cs, at + 1, n - at);
                    }
                    cs[at] = ctr;
                }
                return new Node(dataMap | bit, nodeMap, k2, c, cs, size + 1, d);
            }
            // The group outgrows the bucket: it moves, with the new entry, into a child.
            Run run = new Run(to - from + 1);
            for (int j = from; j < to; j++) {
                if (j == at) {
                    run.add(sk, key, slot, ctr);
                }
                run.add(keys[j], kv[2 * j], kv[2 * j + 1], counter(j));
            }
            if (at == to) {
                run.add(sk, key, slot, ctr);
            }
            Node child = run.build(0, run.n, shift + BITS);
            return withGroupReplacedByChild(from, to, bit, child, size + 1, d);
        }

        /** This node with the inline group {@code [from, to)} moved into {@code child} at {@code bit}. */
        private Node withGroupReplacedByChild(int from, int to, int bit, Node child, int newSize, long newDigest) {
            int n = keys.length;
            int g = to - from;
            int[] k2 = new int[n - g];
            System.arraycopy(keys, 0, k2, 0, from);
            System.arraycopy(keys, to, k2, from, n - to);
            int children = kv.length - 2 * n;
            Object[] c = new Object[kv.length - 2 * g + 1];
            System.arraycopy(kv, 0, c, 0, 2 * from);
            System.arraycopy(kv, 2 * to, c, 2 * from, 2 * (n - to));
            int before = Integer.bitCount(nodeMap & (bit - 1));
            int base = 2 * (n - g);
            System.arraycopy(kv, 2 * n, c, base, before);
            c[base + before] = child;
            System.arraycopy(kv, 2 * n + before, c, base + before + 1, children - before);
            return new Node(dataMap & ~bit, nodeMap | bit, k2, c, trimCounters(counters, from, to, n), newSize,
                    newDigest);
        }

        private static long[] trimCounters(long[] counters, int from, int to, int n) {
            if (counters == null) {
                return null;
            }
            long[] cs = new long[n - (to - from)];
            System.arraycopy(counters, 0, cs, 0, from);
            System.arraycopy(counters, to, cs, from, n - to);
            for (long x : cs) {
                if (x != 0) {
                    return cs;
                }
            }
            return null;
        }

        /** Null only for a non-root node that became empty. */
        Node remove(Object key, int h, int sk, int shift) {
            int bit = 1 << ((h >>> shift) & MASK);
            if ((nodeMap & bit) != 0) {
                int ci = childIndex(bit);
                Node old = (Node) kv[ci];
                Node nw = old.remove(key, h, sk, shift + BITS);
                if (nw == old) {
                    return this;
                }
                if (nw.size > BUCKET) {
                    Object[] c = kv.clone();
                    c[ci] = nw;
                    return new Node(dataMap, nodeMap, keys, c, counters, size - 1, digest - old.digest + nw.digest);
                }
                // The child shrank to a bucket: its entries (all inline) move up into this node.
                return withChildInlined(bit, nw, size - 1, digest - old.digest + nw.digest);
            }
            if ((dataMap & bit) == 0) {
                return this;
            }
            int i = indexOf(key, sk);
            if (i < 0) {
                return this;
            }
            int n = keys.length;
            int frag = (h >>> shift) & MASK;
            boolean lastOfGroup = (i == 0 || fragment(keys[i - 1], shift) != frag)
                    && (i == n - 1 || fragment(keys[i + 1], shift) != frag);
            int[] k2 = new int[n - 1];
            System.arraycopy(keys, 0, k2, 0, i);
            System.arraycopy(keys, i + 1, k2, i, n - 1 - i);
            Object[] c = new Object[kv.length - 2];
            System.arraycopy(kv, 0, c, 0, 2 * i);
            System.arraycopy(kv, 2 * i + 2, c, 2 * i, kv.length - 2 * i - 2);
            return new Node(lastOfGroup ? dataMap & ~bit : dataMap, nodeMap, k2, c, trimCounters(counters, i, i + 1, n),
                    size - 1, digest - entryDigest(i));
        }

        /** This node with the child at {@code bit} replaced by its (all inline) entries. */
        private Node withChildInlined(int bit, Node child, int newSize, long newDigest) {
            int n = keys.length;
            int g = child.keys.length;
            // The child's entries share one fragment here, so they go in as one contiguous run.
            int at = g == 0 ? 0 : lowerBound(child.keys[0]);
            int[] k2 = new int[n + g];
            System.arraycopy(keys, 0, k2, 0, at);
            System.arraycopy(child.keys, 0, k2, at, g);
            System.arraycopy(keys, at, k2, at + g, n - at);
            int children = kv.length - 2 * n;
            int before = Integer.bitCount(nodeMap & (bit - 1));
            Object[] c = new Object[kv.length + 2 * g - 1];
            System.arraycopy(kv, 0, c, 0, 2 * at);
            System.arraycopy(child.kv, 0, c, 2 * at, 2 * g);
            System.arraycopy(kv, 2 * at, c, 2 * (at + g), 2 * (n - at));
            int base = 2 * (n + g);
            System.arraycopy(kv, 2 * n, c, base, before);
            System.arraycopy(kv, 2 * n + before + 1, c, base + before, children - before - 1);
            long[] cs = null;
            if (counters != null || child.counters != null) {
                cs = new long[n + g];
                if (counters != null) {
                    System.arraycopy(counters, 0, cs, 0, at);
                    System.arraycopy(counters, at, cs, at + g, n - at);
                }
                if (child.counters != null) {
                    System.arraycopy(child.counters, 0, cs, at, g);
                }
            }
            int newData = g == 0 ? dataMap : dataMap | bit;
            return new Node(newData, nodeMap & ~bit, k2, c, cs, newSize, newDigest);
        }

        void forEach(BiConsumer<Object, Object> action) {
            int n = keys.length;
            for (int i = 0; i < n; i++) {
                action.accept(kv[2 * i], value(i));
            }
            for (int i = 2 * n; i < kv.length; i++) {
                ((Node) kv[i]).forEach(action);
            }
        }

        boolean allMatch(BiPredicate<Object, Object> test) {
            int n = keys.length;
            for (int i = 0; i < n; i++) {
                if (!test.test(kv[2 * i], value(i))) {
                    return false;
                }
            }
            for (int i = 2 * n; i < kv.length; i++) {
                if (!((Node) kv[i]).allMatch(test)) {
                    return false;
                }
            }
            return true;
        }

        static boolean same(Node a, Node b) {
            if (a == b) {
                return true;
            }
            if (a.dataMap != b.dataMap || a.nodeMap != b.nodeMap || a.size != b.size || a.digest != b.digest
                    || !Arrays.equals(a.keys, b.keys)) {
                return false;
            }
            int n = a.keys.length;
            for (int i = 0; i < n; i++) {
                boolean collision = i + 1 < n && a.keys[i + 1] == a.keys[i] || i > 0 && a.keys[i - 1] == a.keys[i];
                if (collision) {
                    // Keys with equal hashes sit in insertion order: compare the run as a set.
                    int j = b.indexOf(a.key(i), a.keys[i]);
                    if (j < 0 || !sameValue(a.slot(i), a.counter(i), b.slot(j), b.counter(j))) {
                        return false;
                    }
                } else {
                    Object ka = a.key(i);
                    Object kb = b.key(i);
                    if (!(ka == kb || ka.equals(kb))
                            || !sameValue(a.slot(i), a.counter(i), b.slot(i), b.counter(i))) {
                        return false;
                    }
                }
            }
            for (int i = 2 * n; i < a.kv.length; i++) {
                if (!same((Node) a.kv[i], (Node) b.kv[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A growable run of entries in sort-key order, and the canonical node built from a part of it. */
    private static final class Run {
        int[] keys;
        Object[] kv;
        long[] counters;
        int n;
        boolean anyDot;

        Run(int capacity) {
            keys = new int[Math.max(capacity, 4)];
            kv = new Object[2 * keys.length];
            counters = new long[keys.length];
        }

        void clear() {
            Arrays.fill(kv, 0, 2 * n, null);
            n = 0;
            anyDot = false;
        }

        void add(int sk, Object key, Object slot, long counter) {
            if (n == keys.length) {
                int cap = keys.length * 2;
                keys = Arrays.copyOf(keys, cap);
                kv = Arrays.copyOf(kv, 2 * cap);
                counters = Arrays.copyOf(counters, cap);
            }
            keys[n] = sk;
            kv[2 * n] = key;
            kv[2 * n + 1] = slot;
            counters[n] = counter;
            anyDot |= counter != 0;
            n++;
        }

        void truncate(int to) {
            Arrays.fill(kv, 2 * to, 2 * n, null);
            n = to;
        }

        /** The canonical node at {@code shift} holding entries {@code [from, to)} (one subtree's, sorted). */
        Node build(int from, int to, int shift) {
            int dataMap = 0;
            int nodeMap = 0;
            Node[] children = null;
            int inline = 0;
            int i = from;
            while (i < to) {
                int frag = fragment(keys[i], shift);
                int j = i + 1;
                while (j < to && fragment(keys[j], shift) == frag) {
                    j++;
                }
                if (j - i > BUCKET && shift < LAST_SHIFT) {
                    if (children == null) {
                        children = new Node[32];
                    }
                    children[frag] = build(i, j, shift + BITS);
                    nodeMap |= 1 << frag;
                } else {
                    dataMap |= 1 << frag;
                    inline += j - i;
                }
                i = j;
            }
            int[] ks = new int[inline];
            Object[] c = new Object[2 * inline + Integer.bitCount(nodeMap)];
            long[] cs = null;
            long digest = 0;
            int at = 0;
            for (i = from; i < to; i++) {
                if ((dataMap & (1 << fragment(keys[i], shift))) != 0) {
                    ks[at] = keys[i];
                    c[2 * at] = kv[2 * i];
                    c[2 * at + 1] = kv[2 * i + 1];
                    if (counters[i] != 0) {
                        if (cs == null) {
                            cs = new long[inline];
                        }
                        cs[at] = counters[i];
                    }
                    digest += entryHash(kv[2 * i], kv[2 * i + 1], counters[i]);
                    at++;
                }
            }
            int ci = 2 * inline;
            for (int frag = 0; frag < 32 && nodeMap != 0; frag++) {
                if ((nodeMap & (1 << frag)) != 0) {
                    c[ci++] = children[frag];
                    digest += children[frag].digest;
                }
            }
            return new Node(dataMap, nodeMap, ks, c, cs, to - from, digest);
        }
    }

    /**
     * One structural merge: the merger, and per depth a scratch run for the node being built.
     * Fragments are visited in the order of their inline groups (bit-reversed), so each node's
     * inline output comes out sorted.
     */
    private static final class Merge {
        private static final int[] GROUP_ORDER = new int[32];

        static {
            for (int r = 0; r < 32; r++) {
                GROUP_ORDER[r] = Integer.reverse(r) >>> (32 - BITS);
            }
        }

        final Merger<Object, Object> m;
        final boolean dotsIdentify;
        final Run[] runs = new Run[8];
        final Node[][] kids = new Node[8][];

        Merge(Merger<Object, Object> m) {
            this.m = m;
            this.dotsIdentify = m.dotsIdentifyEntries();
        }

        private Run run(int depth) {
            Run r = runs[depth];
            if (r == null) {
                r = new Run(64);
                runs[depth] = r;
                kids[depth] = new Node[32];
            }
            r.clear();
            return r;
        }

        /**
         * The merge of two nodes at the same position ({@code a} or {@code b} may be null, not both;
         * they may be the same node, and the merger still decides each entry); null or empty when
         * nothing remains.
         */
        Node merge(Node a, Node b, int shift) {
            int depth = shift / BITS;
            Run out = run(depth);
            Node[] children = kids[depth];
            int dataMap = 0;
            int nodeMap = 0;
            int size = 0;
            boolean sameAsA = a != null;
            boolean sameAsB = b != null;
            // The digest is a's, corrected by what differs from a: unchanged entries are not rehashed.
            long digest = a == null ? 0 : a.digest;
            int aMap = a == null ? 0 : a.dataMap | a.nodeMap;
            int bMap = b == null ? 0 : b.dataMap | b.nodeMap;
            int all = aMap | bMap;
            int ai = 0;
            int bi = 0;
            for (int r = 0; r < 32 && all != 0; r++) {
                int frag = GROUP_ORDER[r];
                int bit = 1 << frag;
                if ((all & bit) == 0) {
                    continue;
                }
                all &= ~bit;
                boolean aData = a != null && (a.dataMap & bit) != 0;
                boolean bData = b != null && (b.dataMap & bit) != 0;
                Node aChild = a != null && (a.nodeMap & bit) != 0 ? a.child(bit) : null;
                Node bChild = b != null && (b.nodeMap & bit) != 0 ? b.child(bit) : null;
                int aTo = ai;
                if (aData) {
                    while (aTo < a.keys.length && fragment(a.keys[aTo], shift) == frag) {
                        aTo++;
                    }
                }
                int bTo = bi;
                if (bData) {
                    while (bTo < b.keys.length && fragment(b.keys[bTo], shift) == frag) {
                        bTo++;
                    }
                }
                if (aChild != null || bChild != null) {
                    // At least one side is a subtree: merge subtrees, lifting an inline group into a node.
                    Node x = aChild != null ? aChild : aData ? a.groupNode(ai, aTo, shift + BITS) : null;
                    Node y = bChild != null ? bChild : bData ? b.groupNode(bi, bTo, shift + BITS) : null;
                    Node res = merge(x, y, shift + BITS); // x == y still lets the merger decide each entry
                    out = runs[depth];
                    boolean empty = res == null || res.size == 0;
                    if (!(aChild != null ? res == aChild
                            : aData ? !empty && res.holdsGroup(a, ai, aTo) : empty)) {
                        sameAsA = false;
                    }
                    if (!(bChild != null ? res == bChild
                            : bData ? !empty && res.holdsGroup(b, bi, bTo) : empty)) {
                        sameAsB = false;
                    }
                    if (aChild != null) {
                        digest -= aChild.digest;
                    } else if (aData) {
                        digest -= a.groupDigest(ai, aTo);
                    }
                    if (res != null && res.size > 0) {
                        if (res.size > BUCKET) {
                            children[frag] = res;
                            nodeMap |= bit;
                            digest += res.digest;
                        } else {
                            // A subtree that shrank to a bucket comes up inline.
                            for (int i = 0; i < res.keys.length; i++) {
                                out.add(res.keys[i], res.kv[2 * i], res.kv[2 * i + 1], res.counter(i));
                            }
                            dataMap |= bit;
                            digest += res.digest;
                        }
                        size += res.size;
                    }
                } else {
                    int start = out.n;
                    boolean[] flags = {sameAsA, sameAsB};
                    long delta = mergeGroups(out, a, ai, aTo, b, bi, bTo, flags);
                    sameAsA = flags[0];
                    sameAsB = flags[1];
                    int produced = out.n - start;
                    if (produced > BUCKET && shift < LAST_SHIFT) {
                        Node child = out.build(start, out.n, shift + BITS);
                        out.truncate(start);
                        children[frag] = child;
                        nodeMap |= bit;
                        sameAsA = false;
                        sameAsB = false;
                        // The group's entries are now counted in the child's digest instead.
                        digest += delta;
                    } else if (produced > 0) {
                        dataMap |= bit;
                        digest += delta;
                    } else {
                        digest += delta;
                    }
                    size += produced;
                }
                ai = aTo;
                bi = bTo;
            }
            if (sameAsA && dataMap == a.dataMap && nodeMap == a.nodeMap) {
                return a;
            }
            if (sameAsB && dataMap == b.dataMap && nodeMap == b.nodeMap) {
                return b;
            }
            if (size == 0) {
                return null;
            }
            return assemble(out, children, dataMap, nodeMap, size, digest);
        }

        private static Node assemble(Run out, Node[] children, int dataMap, int nodeMap, int size, long digest) {
            int n = out.n;
            int[] ks = Arrays.copyOf(out.keys, n);
            Object[] c = new Object[2 * n + Integer.bitCount(nodeMap)];
            System.arraycopy(out.kv, 0, c, 0, 2 * n);
            long[] cs = null;
            if (out.anyDot) {
                cs = Arrays.copyOf(out.counters, n);
            }
            int ci = 2 * n;
            for (int frag = 0; frag < 32 && nodeMap != 0; frag++) {
                if ((nodeMap & (1 << frag)) != 0) {
                    c[ci++] = children[frag];
                    children[frag] = null;
                }
            }
            return new Node(dataMap, nodeMap, ks, c, cs, size, digest);
        }

        /**
         * Merges two inline groups (either may be empty) into {@code out}; returns the digest
         * change relative to a's group and clears {@code flags[0]} / {@code flags[1]} when the
         * output differs from a's / b's group.
         */
        private long mergeGroups(Run out, Node a, int ai, int aTo, Node b, int bi, int bTo, boolean[] flags) {
            long delta = 0;
            boolean same = a == b;
            int i = ai;
            int j = bi;
            while (i < aTo || j < bTo) {
                int c = i >= aTo ? 1 : j >= bTo ? -1 : Integer.compare(a.keys[i], b.keys[j]);
                if (c == 0 && !same) {
                    int sk = a.keys[i];
                    boolean runA = i + 1 < aTo && a.keys[i + 1] == sk;
                    boolean runB = j + 1 < bTo && b.keys[j + 1] == sk;
                    if (runA || runB) {
                        // Keys with equal hashes: match them by key.
                        int ie = i;
                        while (ie < aTo && a.keys[ie] == sk) {
                            ie++;
                        }
                        int je = j;
                        while (je < bTo && b.keys[je] == sk) {
                            je++;
                        }
                        delta += collisionRun(out, a, i, ie, b, j, je, flags);
                        i = ie;
                        j = je;
                        continue;
                    }
                    delta += pairEntries(out, a, i, b, j, flags);
                    i++;
                    j++;
                } else if (same) {
                    Object k = a.kv[2 * i];
                    Object v = a.value(i);
                    Object r = m.merge(k, v, v);
                    delta += keepOrReplace(out, a, i, r, v, flags, true);
                    i++;
                    j++;
                } else if (c < 0) {
                    Object k = a.kv[2 * i];
                    Object v = a.value(i);
                    Object r = m.merge(k, v, null);
                    flags[1] = false;
                    delta += keepOrReplace(out, a, i, r, v, flags, false);
                    i++;
                } else {
                    Object k = b.kv[2 * j];
                    Object v = b.value(j);
                    Object r = m.merge(k, null, v);
                    flags[0] = false;
                    if (r == null) {
                        flags[1] = false;
                    } else {
                        if (r != v) {
                            flags[1] = false;
                        }
                        long ctr = counterOf(r);
                        Object slot = r == v ? b.kv[2 * j + 1] : slotOf(r);
                        out.add(b.keys[j], k, slot, ctr);
                        delta += entryHash(k, slot, ctr);
                    }
                    j++;
                }
            }
            return delta;
        }

        /** a's entry {@code i} merged to {@code r} (given {@code v}): kept as is, replaced or dropped. */
        private long keepOrReplace(Run out, Node a, int i, Object r, Object v, boolean[] flags, boolean alsoB) {
            if (r == v) {
                out.add(a.keys[i], a.kv[2 * i], a.kv[2 * i + 1], a.counter(i));
                return 0;
            }
            flags[0] = false;
            if (alsoB) {
                flags[1] = false;
            }
            long delta = -a.entryDigest(i);
            if (r != null) {
                Object slot = slotOf(r);
                long ctr = counterOf(r);
                out.add(a.keys[i], a.kv[2 * i], slot, ctr);
                delta += entryHash(a.kv[2 * i], slot, ctr);
            }
            return delta;
        }

        /** Entries at a's {@code i} and b's {@code j} with equal hashes (and no other key of that hash). */
        private long pairEntries(Run out, Node a, int i, Node b, int j, boolean[] flags) {
            Object sa = a.kv[2 * i + 1];
            Object sb = b.kv[2 * j + 1];
            long ca = a.counter(i);
            long cb = b.counter(j);
            Object ka = a.kv[2 * i];
            Object kb = b.kv[2 * j];
            boolean sameEntry;
            if (ca != 0 && cb != 0) {
                sameEntry = dotsIdentify && ca == cb && (sa == sb || sa.equals(sb));
            } else {
                sameEntry = ca == 0 && cb == 0 && sa != sb && m.sameEntry(sa, sb);
            }
            if (sameEntry) {
                out.add(a.keys[i], ka, sa, ca);
                if (ka != kb || sa != sb || ca != cb) {
                    flags[1] = false;
                }
                return 0;
            }
            if (ka == kb || ka.equals(kb)) {
                Object va = a.value(i);
                Object vb = ca == cb && sa == sb ? va : b.value(j);
                Object r = m.merge(ka, va, vb);
                if (r == null) {
                    flags[0] = false;
                    flags[1] = false;
                    return -a.entryDigest(i);
                }
                if (r == va) {
                    out.add(a.keys[i], ka, sa, ca);
                    if (r != vb || ka != kb) {
                        flags[1] = false;
                    }
                    return 0;
                }
                flags[0] = false;
                Object slot;
                long ctr;
                if (r == vb) {
                    slot = sb;
                    ctr = cb;
                    if (ka != kb) {
                        flags[1] = false;
                    }
                } else {
                    slot = slotOf(r);
                    ctr = counterOf(r);
                    flags[1] = false;
                }
                out.add(a.keys[i], ka, slot, ctr);
                return entryHash(ka, slot, ctr) - a.entryDigest(i);
            }
            // Different keys with equal hashes: two one-sided merges, kept in a then b order.
            flags[0] = false;
            flags[1] = false;
            long delta = 0;
            Object va = a.value(i);
            Object r1 = m.merge(ka, va, null);
            delta += keepOrReplace(out, a, i, r1, va, flags, true);
            Object vb = b.value(j);
            Object r2 = m.merge(kb, null, vb);
            if (r2 != null) {
                Object slot = r2 == vb ? sb : slotOf(r2);
                long ctr = r2 == vb ? cb : counterOf(r2);
                out.add(b.keys[j], kb, slot, ctr);
                delta += entryHash(kb, slot, ctr);
            }
            return delta;
        }

        /** Runs of keys with one hash on both sides ({@code [i, ie)} of a, {@code [j, je)} of b). */
        private long collisionRun(Run out, Node a, int i, int ie, Node b, int j, int je, boolean[] flags) {
            long delta = 0;
            boolean[] matched = new boolean[je - j];
            boolean orderKept = ie - i == je - j;
            for (int x = i; x < ie; x++) {
                Object k = a.kv[2 * x];
                int y = j;
                while (y < je && !(b.kv[2 * y] == k || b.kv[2 * y].equals(k))) {
                    y++;
                }
                Object va = a.value(x);
                Object vb = null;
                if (y < je) {
                    matched[y - j] = true;
                    vb = b.value(y);
                    if (y - j != x - i) {
                        orderKept = false;
                    }
                } else {
                    orderKept = false;
                    flags[1] = false;
                }
                Object r = m.merge(k, va, vb);
                if (r == va) {
                    out.add(a.keys[x], k, a.kv[2 * x + 1], a.counter(x));
                    if (vb == null || !sameValue(a.kv[2 * x + 1], a.counter(x), b.kv[2 * y + 1], b.counter(y))
                            || b.kv[2 * y] != k) {
                        flags[1] = false;
                    }
                } else {
                    flags[0] = false;
                    flags[1] = false;
                    delta -= a.entryDigest(x);
                    if (r != null) {
                        Object slot = slotOf(r);
                        long ctr = counterOf(r);
                        out.add(a.keys[x], k, slot, ctr);
                        delta += entryHash(k, slot, ctr);
                    }
                }
            }
            for (int y = j; y < je; y++) {
                if (!matched[y - j]) {
                    flags[0] = false;
                    Object k = b.kv[2 * y];
                    Object vb = b.value(y);
                    Object r = m.merge(k, null, vb);
                    if (r != vb) {
                        flags[1] = false;
                    }
                    if (r != null) {
                        Object slot = slotOf(r);
                        long ctr = counterOf(r);
                        out.add(b.keys[y], k, slot, ctr);
                        delta += entryHash(k, slot, ctr);
                    }
                }
            }
            if (!orderKept) {
                // The run's order differs from b's: b cannot be returned for this node.
                flags[1] = false;
            }
            return delta;
        }
    }

    /** Depth-first walk with an explicit stack of (node, next position). */
    private static final class Iter<K, V> implements java.util.Iterator<java.util.Map.Entry<K, V>> {
        private final Node[] nodes = new Node[16];
        private final int[] positions = new int[16];
        private int depth;
        private Object nextKey;
        private Object nextValue;

        Iter(Node root) {
            nodes[0] = root;
            advance();
        }

        private void advance() {
            nextKey = null;
            while (depth >= 0) {
                Node n = nodes[depth];
                int pos = positions[depth];
                int inline = n.keys.length;
                if (pos < inline) {
                    positions[depth] = pos + 1;
                    nextKey = n.kv[2 * pos];
                    nextValue = n.value(pos);
                    return;
                }
                int child = 2 * inline + (pos - inline);
                if (child < n.kv.length) {
                    positions[depth] = pos + 1;
                    depth++;
                    nodes[depth] = (Node) n.kv[child];
                    positions[depth] = 0;
                    continue;
                }
                nodes[depth] = null;
                depth--;
            }
        }

        @Override
        public boolean hasNext() {
            return nextKey != null;
        }

        @Override
        @SuppressWarnings("unchecked")
        public java.util.Map.Entry<K, V> next() {
            if (nextKey == null) {
                throw new java.util.NoSuchElementException();
            }
            var e = java.util.Map.entry((K) nextKey, (V) nextValue);
            advance();
            return e;
        }
    }
}
