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
 *       shapes and equality is a parallel walk. (A collision tree, below, is canonical as a
 *       sequence of entries; equality walks that sequence.)
 *   <li><b>Few bytes per entry.</b> A node keeps every group of at most {@value #BUCKET} entries
 *       that share the next five hash bits inline, in flat arrays sorted by hash; only larger
 *       groups become a child. Nodes therefore hold a dozen entries or more rather than two or three, and
 *       a value that is a {@link Dot} is stored unboxed (its replica in the value slot, its
 *       counter in a parallel {@code long[]}): an element of an OR-Set costs about 28 bytes
 *       besides the element itself. A node of other values keeps each entry's keyed digest
 *       (16 bytes) once its digest is known, so that joins compare flat arrays there too.
 * </ul>
 *
 * <h2>Layout</h2> A node at depth {@code d} looks at hash bits {@code [5d, 5d + 5)} (the
 * "fragment"). {@code nodeMap} marks fragments whose entries live in a child, {@code dataMap}
 * fragments whose entries are inline. Inline entries are sorted by their bit-reversed hash, which
 * keeps every fragment's group contiguous at every depth, and keys with equal hashes by
 * {@link #compareKeys}. A fragment is a child exactly when it has more than {@value #BUCKET}
 * entries, which makes the form canonical. At the last level (bits 30 and 31) a fragment's
 * entries all have the same 32-bit hash; more than a bucket of them form a collision tree.
 *
 * <h2>Keys with equal hashes</h2> Keys whose {@code hashCode}s are equal (by accident, or chosen
 * by a peer: {@code Long}s {@code x << 32 | x} all hash to 0, strings of {@code "Aa"} and
 * {@code "BB"} blocks share one hash) cannot be told apart by the trie's hash bits. They are kept
 * in a deterministic order instead ({@link #compareKeys}: by class, then by {@code compareTo}
 * where the class is comparable with itself, as {@link java.util.HashMap} orders its tree bins),
 * and more than a bucket of them in a persistent B+-tree in that order ({@link Collisions}). So
 * for comparable keys ({@code String}, {@code Long}, {@code Integer}, {@code UUID}, enums, any
 * {@code Comparable<T>} with a {@code compareTo} consistent with {@code equals}) get, put and
 * remove stay O(log n) and decoding, merging and comparing O(n log n) however the hashes
 * collide, and the order of iteration depends only on the content, on every JVM.
 *
 * <p>Keys that are not comparable (records and classes that do not implement {@code Comparable})
 * tie with each other, as do unequal keys whose {@code compareTo} says 0:
 * such keys of one hash are found by a scan of their tie, kept in the order they came in, and
 * compared as a set, so n of them cost O(n) per operation and O(n^2) to build, as in a plain
 * hash table; their order of iteration may differ between two tries of equal content. Identity
 * hashes are never used: they would make shapes and orders differ between replicas.
 *
 * <p>Immutable and safe to share between threads. Keys and values are never null.
 *
 * @param <K> key type, with consistent {@code equals} and {@code hashCode}; if comparable, with
 *     a {@code compareTo} that is a total order, the same on every JVM, and 0 for equal keys
 * @param <V> value type
 */
public final class HashTrie<K, V> {
    private static final int BITS = 5;
    private static final int MASK = (1 << BITS) - 1;
    /** Largest group of entries with the same fragment kept inline. */
    static final int BUCKET = 4;
    /**
     * The last shift with hash bits left: a child below it holds keys of one 32-bit hash, in a
     * collision tree ({@link Collisions}).
     */
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

        /**
         * Whether {@link #sameEntry} can be true for values stored without a dot counter (an LWW
         * map's single tagged entries), so that a merge may compare such entries position by
         * position, at equal key hashes, to find the equal prefix and suffix of two nodes. Default:
         * false.
         */
        default boolean judgesSameEntries() {
            return false;
        }

        /**
         * Whether {@link #merge} keeps an entry that both sides hold with equal keys and values
         * (returns the left value or one equal to it), so that the merge may keep a whole subtree
         * whose content equals the other side's without visiting it (see {@link HashTrie#merge}).
         * True of every dot-store join: a dot both sides hold survives whatever the contexts say.
         * Default: false.
         */
        default boolean keepsEqualEntries() {
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

    /**
     * The order of keys with equal hashes, the same on every JVM. A key whose class is comparable
     * (see {@link #ORDER_GROUP}) belongs to the group of the type it is comparable with; other
     * keys to one unordered group, first. Groups are ordered by their type's name; within a
     * group, keys are ordered by {@code compareTo}; in the unordered group, all keys tie (0).
     * Keys that tie may be equal or not: those are kept in the order they came in, and found by
     * a scan of the tie. Keys of different groups are taken to be unequal: a key class whose
     * instances can equal another class's must share its group (be comparable with a common
     * supertype, or neither be comparable), as {@code java.util.Date} and {@code Timestamp} or two
     * {@code List} implementations do.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static int compareKeys(Object a, Object b) {
        Class<?> ca = a.getClass();
        Class<?> cb = b.getClass();
        if (ca == cb && (ca == String.class || ca == Long.class)) {
            return ((Comparable) a).compareTo(b);
        }
        Class<?> ga = ORDER_GROUP.get(ca);
        Class<?> gb = ca == cb ? ga : ORDER_GROUP.get(cb);
        if (ga == gb) {
            return ga == Object.class ? 0 : ((Comparable) a).compareTo(b);
        }
        if (ga == Object.class || gb == Object.class) {
            return ga == Object.class ? -1 : 1;
        }
        return ga.getName().compareTo(gb.getName());
    }

    /**
     * The type a key class is comparable with, {@code T} of the {@code Comparable<T>} it
     * implements (directly, through a superclass or an interface; the declaring enum for an
     * enum), if that type is a supertype of the class, as {@link java.util.HashMap} asks of keys
     * for its tree bins; else {@code Object.class}: not comparable, in the unordered group.
     */
    private static final ClassValue<Class<?>> ORDER_GROUP = new ClassValue<>() {
        @Override
        protected Class<?> computeValue(Class<?> c) {
            if (!Comparable.class.isAssignableFrom(c)) {
                return Object.class;
            }
            if (Enum.class.isAssignableFrom(c)) {
                return c.isEnum() ? c : c.getSuperclass();
            }
            Class<?> t = comparableWith(c, new java.util.HashSet<>());
            return t != null && t != Object.class && t.isAssignableFrom(c) ? t : Object.class;
        }

        private Class<?> comparableWith(Class<?> c, java.util.Set<Class<?>> seen) {
            for (Class<?> k = c; k != null; k = k.getSuperclass()) {
                for (java.lang.reflect.Type t : k.getGenericInterfaces()) {
                    Class<?> found = fromInterface(t, seen);
                    if (found != null) {
                        return found;
                    }
                }
            }
            return null;
        }

        private Class<?> fromInterface(java.lang.reflect.Type t, java.util.Set<Class<?>> seen) {
            if (t instanceof java.lang.reflect.ParameterizedType p && p.getRawType() == Comparable.class) {
                java.lang.reflect.Type arg = p.getActualTypeArguments()[0];
                if (arg instanceof java.lang.reflect.ParameterizedType pa) {
                    arg = pa.getRawType();
                }
                return arg instanceof Class<?> a ? a : Object.class;
            }
            Class<?> raw = t instanceof java.lang.reflect.ParameterizedType p ? (Class<?>) p.getRawType()
                    : t instanceof Class<?> k ? k : null;
            if (raw == null || raw == Comparable.class || !Comparable.class.isAssignableFrom(raw) || !seen.add(raw)) {
                return raw == Comparable.class ? Object.class : null;
            }
            for (java.lang.reflect.Type s : raw.getGenericInterfaces()) {
                Class<?> found = fromInterface(s, seen);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
    };

    /** Stable merge sort of {@code idx[from, to)} by the keys {@code kv[2 * idx[i]]} in {@link #compareKeys} order. */
    private static void sortByKey(int[] idx, int from, int to, Object[] kv, int[] tmp) {
        if (to - from <= 8) {
            for (int i = from + 1; i < to; i++) {
                int x = idx[i];
                int j = i - 1;
                while (j >= from && compareKeys(kv[2 * idx[j]], kv[2 * x]) > 0) {
                    idx[j + 1] = idx[j];
                    j--;
                }
                idx[j + 1] = x;
            }
            return;
        }
        int mid = (from + to) >>> 1;
        sortByKey(idx, from, mid, kv, tmp);
        sortByKey(idx, mid, to, kv, tmp);
        if (compareKeys(kv[2 * idx[mid - 1]], kv[2 * idx[mid]]) <= 0) {
            return;
        }
        System.arraycopy(idx, from, tmp, from, to - from);
        int i = from;
        int j = mid;
        for (int o = from; o < to; o++) {
            if (j >= to || i < mid && compareKeys(kv[2 * tmp[i]], kv[2 * tmp[j]]) <= 0) {
                idx[o] = tmp[i++];
            } else {
                idx[o] = tmp[j++];
            }
        }
    }

    /** A builder for a trie of many entries at once, cheaper than one {@link #put} per entry. */
    public static <K, V> Builder<K, V> builder() {
        return new Builder<>();
    }

    /**
     * Collects entries and builds the trie in one pass: O(n log n) over int sort keys, instead
     * of n path copies. Each entry's keyed local digest ({@link LocalDigest}) is computed as it
     * is added, while a decoder's freshly read key is still in cache, and the built nodes carry
     * their subtrees' sums: the first join of a decoded state then skips equal subtrees at once
     * instead of hashing every entry on first comparison (a walk over the whole heap-scattered
     * state). Not thread-safe; use once.
     */
    public static final class Builder<K, V> {
        private final Run run = new Run(16).withLocal();

        private Builder() {
        }

        /** Adds an entry; keys must be distinct (checked by {@link #build}). */
        public Builder<K, V> add(K key, V value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            Object slot = slotOf(value);
            long counter = counterOf(value);
            run.add(sortKey(spread(key)), key, slot, counter);
            if (run.localLo != null) {
                LocalDigest d = LocalDigest.ofEntry(key, slot, counter);
                if (d.opaque) {
                    // Opaque entries: leave the digests to the first comparison, as for any trie.
                    run.localLo = null;
                    run.localHi = null;
                } else {
                    run.localLo[run.n - 1] = d.lo;
                    run.localHi[run.n - 1] = d.hi;
                }
            }
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
            if (run.localLo != null) {
                sorted.withLocal();
            }
            int[] idx = null;
            int[] tmp = null;
            int i = 0;
            while (i < n) {
                int sk = run.keys[(int) order[i]];
                int e = i + 1;
                while (e < n && run.keys[(int) order[e]] == sk) {
                    e++;
                }
                if (e - i == 1) {
                    int j = (int) order[i];
                    sorted.add(sk, run.kv[2 * j], run.kv[2 * j + 1], run.counters[j]);
                    sorted.copyLocal(run, j);
                    i = e;
                    continue;
                }
                // Keys with equal hashes: in key order, so that a duplicate is next to its twin
                // (or within its tie).
                if (idx == null || idx.length < e - i) {
                    idx = new int[Math.max(e - i, 16)];
                    tmp = new int[idx.length];
                }
                int len = e - i;
                for (int x = 0; x < len; x++) {
                    idx[x] = (int) order[i + x];
                }
                sortByKey(idx, 0, len, run.kv, tmp);
                int start = sorted.n;
                for (int x = 0; x < len; x++) {
                    int j = idx[x];
                    Object key = run.kv[2 * j];
                    for (int p = sorted.n - 1; p >= start && compareKeys(sorted.kv[2 * p], key) == 0; p--) {
                        if (sorted.kv[2 * p].equals(key)) {
                            throw new IllegalArgumentException("duplicate key " + key);
                        }
                    }
                    sorted.add(sk, key, run.kv[2 * j + 1], run.counters[j]);
                    sorted.copyLocal(run, j);
                }
                i = e;
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
     *
     * <p>If the merger {@linkplain Merger#keepsEqualEntries keeps equal entries}, a pair of
     * subtrees at the same position with equal content is not visited: the left one is kept as
     * it is. Equal content is the same object, or equal sizes, equal {@link #digest}s and equal
     * keyed local digests ({@link LocalDigest}: 128 bits of keyed SipHash over the entries'
     * content, which a peer cannot aim a collision at), and, where some entry could only be
     * hashed from its {@code hashCode}, an entry-by-entry comparison. Two tries that differ in
     * d entries then merge in O(d log n) node visits, whatever their size. A node computes its
     * local digest on first use and keeps it; {@link #put} carries it along the copied path.
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
     * Calls {@code action} for every key whose entry differs between this map and {@code other}:
     * held by one side only, or with unequal values (by {@code equals}). Subtrees of equal
     * content are skipped as {@link #merge} skips them, so two maps that differ in d entries cost
     * O(d log n) node visits, not O(n). Keys come in no particular order, each once.
     */
    @SuppressWarnings("unchecked")
    public void forEachDifference(HashTrie<K, V> other, java.util.function.Consumer<? super K> action) {
        Objects.requireNonNull(action, "action");
        merge(other, new Merger<>() {
            @Override
            public V merge(K key, V left, V right) {
                if (left == null || right == null || !(left == right || left.equals(right))) {
                    action.accept(key);
                }
                return left != null ? left : right;
            }

            @Override
            public boolean keepsEqualEntries() {
                return true;
            }
        });
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
     * The keyed local digest of the content ({@link LocalDigest}): lanes {@code [lo, hi]} and
     * whether some entry is opaque; O(1) once computed (O(n) the first time).
     */
    LocalDigest localDigest() {
        root.localFlags();
        return root.knownLocal();
    }

    /**
     * Checks that every local digest this trie already knows (some are carried from the nodes a
     * node was made from instead of computed from its entries) is the one its entries give, and
     * that every parent's copy of a child's digest is the child's: a wrong one could make a join
     * skip a subtree that differs. O(n); for tests and invariant checks.
     *
     * @throws IllegalStateException naming the first node found wrong
     */
    public void checkLocalDigests() {
        root.checkLocal(0);
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
        return Node.same(root, t.root, 0);
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
        /**
         * Null except in a branch of a collision tree ({@link Collisions}): there {@code keys} is
         * empty, {@code kv} holds the children only, and {@code seps[i]} is a lower bound of child
         * {@code i + 1}'s keys and an upper bound of child {@code i}'s, in {@link #compareKeys} order.
         */
        final Object[] seps;
        /**
         * The keyed local digest of the subtree ({@link LocalDigest}), two 64-bit lanes, computed
         * on first use. Every thread computes the same value; {@link #localFlags} is written
         * after the lanes and read before them, so a reader that sees it set sees them too.
         * Kept in the node, not in an object of its own, so that comparing two children costs
         * one memory access each.
         */
        private long localLo;
        private long localHi;
        /** 0 while the local digest is unknown; else {@link #KNOWN}, plus {@link #OPAQUE} if some entry is opaque. */
        private volatile byte localFlags;
        /** The children's local digests, two lanes each, in child order; null without children or until known. */
        private long[] childLocal;
        /**
         * Null, or (in a node without dot counters: a map's) each inline entry's local digest,
         * two lanes per entry in entry order, set with the node's digest. A join finds the
         * entries two such nodes share by comparing these flat arrays instead of reading every
         * entry's objects, and carries the result's digest without hashing what it kept
         * ({@link Merge#mergeSameShape}); 16 bytes per entry. Read only once the digest is known.
         * Dot-set nodes have none: their dots are flat already.
         */
        private long[] tags;
        static final byte KNOWN = 1;
        static final byte OPAQUE = 2;

        Node(int dataMap, int nodeMap, int[] keys, Object[] kv, long[] counters, int size, long digest) {
            this(dataMap, nodeMap, keys, kv, counters, size, digest, null);
        }

        Node(int dataMap, int nodeMap, int[] keys, Object[] kv, long[] counters, int size, long digest,
                Object[] seps) {
            this.dataMap = dataMap;
            this.nodeMap = nodeMap;
            this.keys = keys;
            this.kv = kv;
            this.counters = counters;
            this.size = size;
            this.digest = digest;
            this.seps = seps;
        }

        long counter(int i) {
            return counters == null ? 0 : counters[i];
        }

        /**
         * The subtree's local digest flags, computing the digest first if unknown: O(1) once
         * known, O(subtree) the first time.
         */
        byte localFlags() {
            byte f = localFlags;
            return f != 0 ? f : computeLocal();
        }

        private byte computeLocal() {
            long lo = 0;
            long hi = 0;
            boolean opaque = false;
            long[] t = counters == null && keys.length > 0 ? new long[2 * keys.length] : null;
            for (int i = 0; i < keys.length; i++) {
                LocalDigest e = LocalDigest.ofEntry(kv[2 * i], kv[2 * i + 1], counter(i));
                lo += e.lo;
                hi += e.hi;
                opaque |= e.opaque;
                if (t != null) {
                    t[2 * i] = e.lo;
                    t[2 * i + 1] = e.hi;
                }
            }
            tags = t;
            setLocal(lo, hi, opaque);
            return localFlags;
        }

        /**
         * Whether child {@code i} of {@code a} and child {@code j} of {@code b} have equal local
         * digests; both nodes' digests known and neither opaque.
         */
        static boolean sameChildDigest(Node a, int i, Node b, int j) {
            long[] x = a.childLocal;
            long[] y = b.childLocal;
            return x[2 * i] == y[2 * j] && x[2 * i + 1] == y[2 * j + 1];
        }

        /**
         * Sets this new node's local digest from its inline entries' sum {@code [lo, hi]} (none
         * opaque) and its children's (computed now if unknown, as for a collision tree).
         */
        void setLocal(long lo, long hi) {
            setLocal(lo, hi, false);
        }

        /** Adds the children's digests to the inline entries' sum and keeps the result and theirs. */
        private void setLocal(long lo, long hi, boolean opaque) {
            int n = keys.length;
            long[] kids = kv.length > 2 * n ? new long[2 * (kv.length - 2 * n)] : null;
            for (int i = 2 * n; i < kv.length; i++) {
                Node c = (Node) kv[i];
                opaque |= (c.localFlags() & OPAQUE) != 0;
                lo += c.localLo;
                hi += c.localHi;
                kids[2 * (i - 2 * n)] = c.localLo;
                kids[2 * (i - 2 * n) + 1] = c.localHi;
            }
            childLocal = kids;
            localLo = lo;
            localHi = hi;
            localFlags = (byte) (opaque ? KNOWN | OPAQUE : KNOWN);
        }

        /** See {@link HashTrie#checkLocalDigests}. */
        void checkLocal(int depth) {
            int n = keys.length;
            for (int i = 2 * n; i < kv.length; i++) {
                ((Node) kv[i]).checkLocal(depth + 1);
            }
            byte f = localFlags;
            if (f == 0) {
                return;
            }
            long lo = 0;
            long hi = 0;
            boolean opaque = false;
            if (tags != null && tags.length != 2 * n) {
                throw new IllegalStateException("a node at depth " + depth + " keeps " + tags.length + " tag lanes for "
                        + n + " entries");
            }
            for (int i = 0; i < n; i++) {
                LocalDigest e = LocalDigest.ofEntry(kv[2 * i], kv[2 * i + 1], counter(i));
                lo += e.lo;
                hi += e.hi;
                opaque |= e.opaque;
                if (tags != null && (tags[2 * i] != e.lo || tags[2 * i + 1] != e.hi)) {
                    throw new IllegalStateException("a node at depth " + depth + " keeps a stale tag of entry " + i);
                }
            }
            for (int i = 2 * n; i < kv.length; i++) {
                Node c = (Node) kv[i];
                opaque |= (c.localFlags() & OPAQUE) != 0;
                lo += c.localLo;
                hi += c.localHi;
                int k = 2 * (i - 2 * n);
                if (childLocal == null || childLocal[k] != c.localLo || childLocal[k + 1] != c.localHi) {
                    throw new IllegalStateException("a node at depth " + depth + " keeps a stale local digest of child "
                            + (i - 2 * n));
                }
            }
            if (lo != localLo || hi != localHi) {
                throw new IllegalStateException("a node at depth " + depth + " of " + size
                        + " entries keeps a local digest its entries do not give");
            }
            if (opaque && (f & OPAQUE) == 0) {
                throw new IllegalStateException("a node at depth " + depth + " holds an opaque entry but is not marked so");
            }
        }

        /** Sets this new node's local digest, its children's and its entries' tags (may be null), all known. */
        void setKnownLocal(long lo, long hi, boolean opaque, long[] kidsLocal, long[] entryTags) {
            tags = entryTags;
            childLocal = kidsLocal;
            localLo = lo;
            localHi = hi;
            localFlags = (byte) (opaque ? KNOWN | OPAQUE : KNOWN);
        }

        /** This node's entry tags if its digest is known and not opaque, else null. */
        long[] knownTags() {
            byte f = localFlags;
            return f == 0 || (f & OPAQUE) != 0 ? null : tags;
        }

        /** Sets the entry tags this node will have once {@link #carryLocal} makes its digest known. */
        Node withTags(long[] t) {
            tags = t;
            return this;
        }

        /** The local digest as a value, or null if not yet known (for carrying along a path copy). */
        LocalDigest knownLocal() {
            byte f = localFlags;
            return f == 0 ? null : new LocalDigest(localLo, localHi, (f & OPAQUE) != 0);
        }

        /**
         * Sets this new node's local digest to {@code from}'s, less {@code minus} and plus
         * {@code plus} (either may be null), if {@code from}'s is known: a path copy then costs
         * one or two entry digests, not a node's worth.
         */
        Node carryLocal(Node from, LocalDigest minus, LocalDigest plus) {
            return carryLocal(from, minus, plus, -1);
        }

        /** {@link #carryLocal(Node, LocalDigest, LocalDigest)} where child {@code changed} (if not -1) is now {@code plus}'s. */
        Node carryLocal(Node from, LocalDigest minus, LocalDigest plus, int changed) {
            LocalDigest d = from.knownLocal();
            if (d != null) {
                long[] kids = from.childLocal;
                if (changed >= 0) {
                    kids = kids.clone();
                    kids[2 * changed] = plus.lo;
                    kids[2 * changed + 1] = plus.hi;
                }
                childLocal = kids;
                long lo = d.lo;
                long hi = d.hi;
                boolean opaque = d.opaque;
                if (minus != null) {
                    lo -= minus.lo;
                    hi -= minus.hi;
                }
                if (plus != null) {
                    lo += plus.lo;
                    hi += plus.hi;
                    opaque |= plus.opaque;
                }
                // An opaque entry removed may leave the flag set: a spare verification, never a wrong skip.
                localLo = lo;
                localHi = hi;
                localFlags = (byte) (opaque ? KNOWN | OPAQUE : KNOWN);
            }
            return this;
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

        /**
         * Inline index of {@code key}, or {@code -(insertion point) - 1}. Keys with equal hashes
         * (at most a bucket of them inline) are kept in {@link #compareKeys} order, a new key after
         * those it ties with.
         */
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
            if (j != i) {
                int p = i;
                while (p < j && compareKeys(kv[2 * p], key) <= 0) {
                    p++;
                }
                return -p - 1;
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
                    if (shift > LAST_SHIFT) {
                        return Collisions.find(n, key);
                    }
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
            if (shift > LAST_SHIFT) {
                return Collisions.put(this, key, slotOf(value), counterOf(value), sk);
            }
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
                Node r = new Node(dataMap, nodeMap, keys, c, counters, size - old.size + nw.size,
                        digest - old.digest + nw.digest);
                return localFlags != 0 && old.localFlags != 0 && nw.localFlags != 0
                        ? r.carryLocal(this, old.knownLocal(), nw.knownLocal(), ci - 2 * keys.length) : r;
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
                Node r = new Node(dataMap, nodeMap, keys, c, cs, size,
                        digest - entryHash(kv[2 * i], oldSlot, oldCtr) + entryHash(key, slot, ctr));
                if (localFlags == 0) {
                    return r;
                }
                LocalDigest plus = LocalDigest.ofEntry(kv[2 * i], slot, ctr);
                long[] t = tags;
                if (t != null && cs == null) {
                    t = t.clone();
                    t[2 * i] = plus.lo;
                    t[2 * i + 1] = plus.hi;
                    r.withTags(t);
                }
                return r.carryLocal(this, LocalDigest.ofEntry(kv[2 * i], oldSlot, oldCtr), plus);
            }
            int at = -i - 1;
            long d = digest + entryHash(key, slot, ctr);
            int n = keys.length;
            int from = (dataMap & bit) == 0 ? at : groupStart(at, frag, shift);
            int to = (dataMap & bit) == 0 ? at : groupEnd(at, frag, shift);
            if (to - from + 1 <= BUCKET) {
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
                Node r = new Node(dataMap | bit, nodeMap, k2, c, cs, size + 1, d);
                if (localFlags == 0) {
                    return r;
                }
                LocalDigest plus = LocalDigest.ofEntry(key, slot, ctr);
                if (cs == null && (tags != null || n == 0)) {
                    long[] t = new long[2 * (n + 1)];
                    if (n > 0) {
                        System.arraycopy(tags, 0, t, 0, 2 * at);
                        System.arraycopy(tags, 2 * at, t, 2 * at + 2, 2 * (n - at));
                    }
                    t[2 * at] = plus.lo;
                    t[2 * at + 1] = plus.hi;
                    r.withTags(t);
                }
                return r.carryLocal(this, null, plus);
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
            if (shift > LAST_SHIFT) {
                return Collisions.remove(this, key);
            }
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

        static boolean same(Node a, Node b, int shift) {
            if (a == b) {
                return true;
            }
            if (shift > LAST_SHIFT) {
                return Collisions.same(a, b);
            }
            if (a.dataMap != b.dataMap || a.nodeMap != b.nodeMap || a.size != b.size || a.digest != b.digest
                    || !Arrays.equals(a.keys, b.keys)) {
                return false;
            }
            int n = a.keys.length;
            for (int i = 0; i < n; i++) {
                boolean collision = i + 1 < n && a.keys[i + 1] == a.keys[i] || i > 0 && a.keys[i - 1] == a.keys[i];
                if (collision) {
                    // Keys with equal hashes: those tied in key order may sit in any order, so
                    // compare the run (at most a bucket) as a set.
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
                if (!same((Node) a.kv[i], (Node) b.kv[i], shift + BITS)) {
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
        /**
         * Null unless this run carries its entries' local digests (a {@link Builder}'s); then
         * {@link #build} gives every node it builds its local digest.
         */
        long[] localLo;
        long[] localHi;

        Run(int capacity) {
            keys = new int[Math.max(capacity, 4)];
            kv = new Object[2 * keys.length];
            counters = new long[keys.length];
        }

        /** This run, carrying its entries' local digests from now on (set by the caller per entry). */
        Run withLocal() {
            localLo = new long[keys.length];
            localHi = new long[keys.length];
            return this;
        }

        /** Sets the last added entry's local digest to entry {@code j} of {@code from}, if both carry them. */
        void copyLocal(Run from, int j) {
            if (localLo != null) {
                localLo[n - 1] = from.localLo[j];
                localHi[n - 1] = from.localHi[j];
            }
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
                if (localLo != null) {
                    localLo = Arrays.copyOf(localLo, cap);
                    localHi = Arrays.copyOf(localHi, cap);
                }
            }
            keys[n] = sk;
            kv[2 * n] = key;
            kv[2 * n + 1] = slot;
            counters[n] = counter;
            anyDot |= counter != 0;
            n++;
        }

        /** This run's entries {@code [0, n)} as the inline entries of a node (arrays shared, for reading only). */
        Node asNode() {
            return new Node(0, 0, keys, kv, counters, n, 0);
        }

        void truncate(int to) {
            Arrays.fill(kv, 2 * to, 2 * n, null);
            n = to;
        }

        /**
         * The canonical node at {@code shift} holding entries {@code [from, to)} (one subtree's,
         * sorted; below {@link #LAST_SHIFT}, a collision tree of keys in {@link #compareKeys} order).
         */
        Node build(int from, int to, int shift) {
            if (shift > LAST_SHIFT) {
                return Collisions.build(this, from, to);
            }
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
                if (j - i > BUCKET) {
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
            Node node = new Node(dataMap, nodeMap, ks, c, cs, to - from, digest);
            if (localLo != null) {
                long lo = 0;
                long hi = 0;
                long[] t = cs == null && inline > 0 ? new long[2 * inline] : null;
                int e = 0;
                for (i = from; i < to; i++) {
                    if ((dataMap & (1 << fragment(keys[i], shift))) != 0) {
                        lo += localLo[i];
                        hi += localHi[i];
                        if (t != null) {
                            t[2 * e] = localLo[i];
                            t[2 * e + 1] = localHi[i];
                        }
                        e++;
                    }
                }
                node.withTags(t).setLocal(lo, hi);
            }
            return node;
        }
    }

    /**
     * The trees that hold more than a bucket of keys with one hash (equal 32-bit hashes), below
     * the last trie level: persistent B+-trees in {@link #compareKeys} order, so that lookups,
     * updates and removals cost O(log n) key comparisons however many keys share the hash.
     *
     * <p>A <em>leaf</em> is an ordinary all-inline node (its sort keys all equal); a
     * <em>branch</em> has no inline entries, its children in {@code kv} and separators in
     * {@code seps}, so walks over inline entries and children ({@code forEach}, the iterator)
     * visit the keys in order without knowing about branches. Every node but the root holds at
     * least {@value #MIN} and at most {@value #MAX} entries (leaf) or children (branch); a tree of
     * at most {@value #MAX} keys is one leaf, so one that shrinks to a bucket is a leaf the parent
     * can take inline.
     *
     * <p>The sequence of entries is canonical (key order, except the order among keys that tie);
     * how it is cut into nodes may depend on the history, as in any balanced tree with O(log n)
     * updates: a uniquely represented one needs more. So equality and merge walk the two
     * sequences, never the node structure, and never return one tree for another unless they
     * hold the same entries.
     */
    private static final class Collisions {
        static final int MAX = 16;
        static final int MIN = MAX / 2;
        private static final int[] NO_KEYS = new int[0];

        private Collisions() {
        }

        static boolean isBranch(Node n) {
            return n.seps != null;
        }

        // --------------------------------------------------------------------- building

        /** The tree of the run's entries {@code [from, to)}, in key order: leaves and branches evenly filled. */
        static Node build(Run run, int from, int to) {
            int n = to - from;
            if (n <= MAX) {
                return leaf(run.keys[from], run.kv, run.counters, from, to);
            }
            int count = (n + MAX - 1) / MAX;
            Node[] level = new Node[count];
            Object[] firsts = new Object[count];
            int at = from;
            for (int i = 0; i < count; i++) {
                int len = n / count + (i < n % count ? 1 : 0);
                level[i] = leaf(run.keys[at], run.kv, run.counters, at, at + len);
                firsts[i] = run.kv[2 * at];
                at += len;
            }
            while (count > 1) {
                int parents = (count + MAX - 1) / MAX;
                Node[] up = new Node[parents];
                Object[] upFirsts = new Object[parents];
                at = 0;
                for (int i = 0; i < parents; i++) {
                    int len = count / parents + (i < count % parents ? 1 : 0);
                    Object[] children = Arrays.copyOfRange(level, at, at + len, Object[].class);
                    up[i] = branch(children, Arrays.copyOfRange(firsts, at + 1, at + len));
                    upFirsts[i] = firsts[at];
                    at += len;
                }
                level = up;
                firsts = upFirsts;
                count = parents;
            }
            return level[0];
        }

        /** A leaf of the entries {@code [from, to)} of the arrays (counters may be null); computes its digest. */
        static Node leaf(int sk, Object[] kv, long[] counters, int from, int to) {
            int n = to - from;
            int[] ks = new int[n];
            Arrays.fill(ks, sk);
            Object[] c = Arrays.copyOfRange(kv, 2 * from, 2 * to);
            long[] cs = null;
            long digest = 0;
            for (int i = 0; i < n; i++) {
                long ctr = counters == null ? 0 : counters[from + i];
                if (ctr != 0) {
                    if (cs == null) {
                        cs = new long[n];
                    }
                    cs[i] = ctr;
                }
                digest += entryHash(c[2 * i], c[2 * i + 1], ctr);
            }
            return new Node(0, 0, ks, c, cs, n, digest);
        }

        /** A branch over {@code children} (Nodes) with separators {@code seps} (one fewer). */
        static Node branch(Object[] children, Object[] seps) {
            int size = 0;
            long digest = 0;
            for (Object c : children) {
                size += ((Node) c).size;
                digest += ((Node) c).digest;
            }
            return new Node(0, 0, NO_KEYS, children, null, size, digest, seps);
        }

        /** Appends the tree's entries to {@code out}, in order. */
        static void flatten(Node n, Run out) {
            if (isBranch(n)) {
                for (Object c : n.kv) {
                    flatten((Node) c, out);
                }
                return;
            }
            for (int i = 0; i < n.keys.length; i++) {
                out.add(n.keys[i], n.kv[2 * i], n.kv[2 * i + 1], n.counter(i));
            }
        }

        // --------------------------------------------------------------------- search

        /** Number of separators below {@code key} (tie: not below). */
        private static int separatorsBelow(Object[] seps, Object key) {
            int lo = 0;
            int hi = seps.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (compareKeys(seps[mid], key) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /** The last child that may hold {@code key}, from the first one, {@code lo}: past the separators tied with it. */
        private static int lastCandidate(Object[] seps, int lo, Object key) {
            int hi = lo;
            while (hi < seps.length && compareKeys(seps[hi], key) == 0) {
                hi++;
            }
            return hi;
        }

        /** The first leaf index whose key is not below {@code key}. */
        private static int leafLowerBound(Node n, Object key) {
            int lo = 0;
            int hi = n.keys.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (compareKeys(n.kv[2 * mid], key) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /** Leaf index of {@code key}, or {@code -(insertion point) - 1}: after the keys it ties with. */
        private static int leafIndexOf(Node n, Object key) {
            int i = leafLowerBound(n, key);
            int len = n.keys.length;
            while (i < len && compareKeys(n.kv[2 * i], key) == 0) {
                Object k = n.kv[2 * i];
                if (k == key || k.equals(key)) {
                    return i;
                }
                i++;
            }
            return -i - 1;
        }

        /** The value stored for {@code key}, or null. */
        static Object find(Node n, Object key) {
            while (isBranch(n)) {
                int lo = separatorsBelow(n.seps, key);
                int hi = lastCandidate(n.seps, lo, key);
                if (lo != hi) {
                    // Keys tied with this one may sit in any of these children.
                    for (int c = lo; c <= hi; c++) {
                        Object v = find((Node) n.kv[c], key);
                        if (v != null) {
                            return v;
                        }
                    }
                    return null;
                }
                n = (Node) n.kv[lo];
            }
            int i = leafIndexOf(n, key);
            return i < 0 ? null : n.value(i);
        }

        // --------------------------------------------------------------------- put

        /** The tree with {@code key ↦ (slot, ctr)}; {@code n} itself if the value is already the same. */
        static Node put(Node n, Object key, Object slot, long ctr, int sk) {
            Node r = replace(n, key, slot, ctr);
            if (r != null) {
                return r;
            }
            r = insert(n, key, slot, ctr, sk, entryHash(key, slot, ctr));
            if (overfull(r)) {
                Object[] halves = split(r);
                r = branch(new Object[] {halves[0], halves[2]}, new Object[] {halves[1]});
            }
            return r;
        }

        private static boolean overfull(Node n) {
            return (isBranch(n) ? n.kv.length : n.keys.length) > MAX;
        }

        private static boolean underfull(Node n) {
            return (isBranch(n) ? n.kv.length : n.keys.length) < MIN;
        }

        /** {@code n} with {@code key}'s value replaced, {@code n} if it is the same, null if {@code key} is absent. */
        private static Node replace(Node n, Object key, Object slot, long ctr) {
            if (isBranch(n)) {
                int lo = separatorsBelow(n.seps, key);
                int hi = lastCandidate(n.seps, lo, key);
                for (int c = lo; c <= hi; c++) {
                    Node old = (Node) n.kv[c];
                    Node r = replace(old, key, slot, ctr);
                    if (r != null) {
                        return r == old ? n : withChild(n, c, r, n.size);
                    }
                }
                return null;
            }
            int i = leafIndexOf(n, key);
            if (i < 0) {
                return null;
            }
            Object oldSlot = n.kv[2 * i + 1];
            long oldCtr = n.counter(i);
            if (oldSlot == slot && oldCtr == ctr || ctr != 0 && sameValue(oldSlot, oldCtr, slot, ctr)) {
                return n;
            }
            Object[] c = n.kv.clone();
            c[2 * i + 1] = slot;
            long[] cs = n.counters;
            if (ctr != 0 || oldCtr != 0) {
                cs = cs == null ? new long[n.keys.length] : cs.clone();
                cs[i] = ctr;
            }
            return new Node(0, 0, n.keys, c, cs, n.size,
                    n.digest - entryHash(n.kv[2 * i], oldSlot, oldCtr) + entryHash(n.kv[2 * i], slot, ctr));
        }

        /** {@code n} with the child at {@code c} replaced (size {@code size} after). */
        private static Node withChild(Node n, int c, Node child, int size) {
            Object[] kids = n.kv.clone();
            Node old = (Node) kids[c];
            kids[c] = child;
            return new Node(0, 0, NO_KEYS, kids, null, size, n.digest - old.digest + child.digest, n.seps);
        }

        /**
         * {@code n} with a new entry for the absent {@code key}, after every key not above it;
         * possibly overfull (the caller splits it).
         */
        private static Node insert(Node n, Object key, Object slot, long ctr, int sk, long entryDigest) {
            if (isBranch(n)) {
                int lo = separatorsBelow(n.seps, key);
                int c = lastCandidate(n.seps, lo, key);
                Node old = (Node) n.kv[c];
                Node r = insert(old, key, slot, ctr, sk, entryDigest);
                if (!overfull(r)) {
                    return withChild(n, c, r, n.size + 1);
                }
                Object[] halves = split(r);
                int m = n.kv.length;
                Object[] kids = new Object[m + 1];
                System.arraycopy(n.kv, 0, kids, 0, c);
                kids[c] = halves[0];
                kids[c + 1] = halves[2];
                System.arraycopy(n.kv, c + 1, kids, c + 2, m - c - 1);
                Object[] seps = new Object[m];
                System.arraycopy(n.seps, 0, seps, 0, c);
                seps[c] = halves[1];
                System.arraycopy(n.seps, c, seps, c + 1, m - 1 - c);
                return new Node(0, 0, NO_KEYS, kids, null, n.size + 1, n.digest - old.digest + r.digest, seps);
            }
            int len = n.keys.length;
            // After every key not above this one (binary search: the leaf is sorted).
            int lo = 0;
            int hi = len;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (compareKeys(n.kv[2 * mid], key) <= 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            int at = lo;
            int[] ks = new int[len + 1];
            Arrays.fill(ks, sk);
            Object[] c = new Object[2 * len + 2];
            System.arraycopy(n.kv, 0, c, 0, 2 * at);
            c[2 * at] = key;
            c[2 * at + 1] = slot;
            System.arraycopy(n.kv, 2 * at, c, 2 * at + 2, 2 * (len - at));
            long[] cs = null;
            if (n.counters != null || ctr != 0) {
                cs = new long[len + 1];
                if (n.counters != null) {
                    System.arraycopy(n.counters, 0, cs, 0, at);
                    System.arraycopy(n.counters, at, cs, at + 1, len - at);
                }
                cs[at] = ctr;
            }
            return new Node(0, 0, ks, c, cs, n.size + 1, n.digest + entryDigest);
        }

        /** An overfull node cut in two halves: {left, separator, right}. */
        private static Object[] split(Node n) {
            if (isBranch(n)) {
                int m = n.kv.length;
                int h = m / 2;
                Node left = branch(Arrays.copyOfRange(n.kv, 0, h), Arrays.copyOfRange(n.seps, 0, h - 1));
                Node right = branch(Arrays.copyOfRange(n.kv, h, m), Arrays.copyOfRange(n.seps, h, m - 1));
                return new Object[] {left, n.seps[h - 1], right};
            }
            int len = n.keys.length;
            int h = len / 2;
            Node left = leaf(n.keys[0], n.kv, n.counters, 0, h);
            Node right = leaf(n.keys[0], n.kv, n.counters, h, len);
            return new Object[] {left, n.kv[2 * h], right};
        }

        // --------------------------------------------------------------------- remove

        /** The tree without {@code key}; {@code n} itself if it is absent. A branch left with one child gives way to it. */
        static Node remove(Node n, Object key) {
            Node r = removeFrom(n, key);
            while (r != n && isBranch(r) && r.kv.length == 1) {
                r = (Node) r.kv[0];
            }
            return r;
        }

        /** {@code n} without {@code key}, possibly underfull; {@code n} itself if it is absent. */
        private static Node removeFrom(Node n, Object key) {
            if (!isBranch(n)) {
                int i = leafIndexOf(n, key);
                if (i < 0) {
                    return n;
                }
                int len = n.keys.length;
                int[] ks = Arrays.copyOf(n.keys, len - 1);
                Object[] c = new Object[2 * len - 2];
                System.arraycopy(n.kv, 0, c, 0, 2 * i);
                System.arraycopy(n.kv, 2 * i + 2, c, 2 * i, 2 * (len - i - 1));
                return new Node(0, 0, ks, c, Node.trimCounters(n.counters, i, i + 1, len), n.size - 1,
                        n.digest - n.entryDigest(i));
            }
            int lo = separatorsBelow(n.seps, key);
            int hi = lastCandidate(n.seps, lo, key);
            for (int c = lo; c <= hi; c++) {
                Node old = (Node) n.kv[c];
                Node r = removeFrom(old, key);
                if (r != old) {
                    return underfull(r) ? rebalanced(n, c, r) : withChild(n, c, r, n.size - 1);
                }
            }
            return n;
        }

        /** {@code n} (one entry smaller) with its child {@code c} replaced by the underfull {@code r}: r joins a sibling. */
        private static Node rebalanced(Node n, int c, Node r) {
            int l = c > 0 ? c - 1 : c;
            Node left = l == c ? r : (Node) n.kv[l];
            Node right = l == c ? (Node) n.kv[c + 1] : r;
            Object[] joined = join(left, n.seps[l], right);
            int m = n.kv.length;
            Object[] kids;
            Object[] seps;
            if (joined.length == 1) {
                kids = new Object[m - 1];
                System.arraycopy(n.kv, 0, kids, 0, l);
                kids[l] = joined[0];
                System.arraycopy(n.kv, l + 2, kids, l + 1, m - l - 2);
                seps = new Object[m - 2];
                System.arraycopy(n.seps, 0, seps, 0, l);
                System.arraycopy(n.seps, l + 1, seps, l, m - l - 2);
            } else {
                kids = n.kv.clone();
                kids[l] = joined[0];
                kids[l + 1] = joined[2];
                seps = n.seps.clone();
                seps[l] = joined[1];
            }
            Node old = (Node) n.kv[c];
            return new Node(0, 0, NO_KEYS, kids, null, n.size - 1, n.digest - old.digest + r.digest, seps);
        }

        /** Two adjacent nodes (with the separator between them) as one, or as {left, separator, right} evenly refilled. */
        private static Object[] join(Node left, Object sep, Node right) {
            if (isBranch(left)) {
                int a = left.kv.length;
                int m = a + right.kv.length;
                Object[] kids = new Object[m];
                System.arraycopy(left.kv, 0, kids, 0, a);
                System.arraycopy(right.kv, 0, kids, a, m - a);
                Object[] seps = new Object[m - 1];
                System.arraycopy(left.seps, 0, seps, 0, a - 1);
                seps[a - 1] = sep;
                System.arraycopy(right.seps, 0, seps, a, m - 1 - a);
                Node all = new Node(0, 0, NO_KEYS, kids, null, left.size + right.size, left.digest + right.digest, seps);
                return m <= MAX ? new Object[] {all} : split(all);
            }
            int a = left.keys.length;
            int len = a + right.keys.length;
            Object[] c = new Object[2 * len];
            System.arraycopy(left.kv, 0, c, 0, 2 * a);
            System.arraycopy(right.kv, 0, c, 2 * a, 2 * (len - a));
            long[] cs = null;
            if (left.counters != null || right.counters != null) {
                cs = new long[len];
                if (left.counters != null) {
                    System.arraycopy(left.counters, 0, cs, 0, a);
                }
                if (right.counters != null) {
                    System.arraycopy(right.counters, 0, cs, a, len - a);
                }
            }
            int[] ks = new int[len];
            Arrays.fill(ks, left.keys.length > 0 ? left.keys[0] : right.keys[0]);
            Node all = new Node(0, 0, ks, c, cs, len, left.digest + right.digest);
            return len <= MAX ? new Object[] {all} : split(all);
        }

        // --------------------------------------------------------------------- equality

        /** Whether two trees hold the same entries: their sequences compared in order, ties as sets. */
        static boolean same(Node a, Node b) {
            if (a.size != b.size || a.digest != b.digest) {
                return false;
            }
            Run ra = new Run(a.size);
            flatten(a, ra);
            Run rb = new Run(b.size);
            flatten(b, rb);
            int n = ra.n;
            int i = 0;
            while (i < n) {
                Object ka = ra.kv[2 * i];
                Object kb = rb.kv[2 * i];
                if (ka == kb || ka.equals(kb)) {
                    if (!sameValue(ra.kv[2 * i + 1], ra.counters[i], rb.kv[2 * i + 1], rb.counters[i])) {
                        return false;
                    }
                    i++;
                    continue;
                }
                if (compareKeys(ka, kb) != 0) {
                    return false;
                }
                // A tie: the same keys in either order.
                int e = i + 1;
                while (e < n && compareKeys(ra.kv[2 * e], ka) == 0) {
                    e++;
                }
                int f = i + 1;
                while (f < n && compareKeys(rb.kv[2 * f], ka) == 0) {
                    f++;
                }
                if (e != f) {
                    return false;
                }
                for (int x = i; x < e; x++) {
                    Object k = ra.kv[2 * x];
                    int y = i;
                    while (y < e && !(rb.kv[2 * y] == k || rb.kv[2 * y].equals(k))) {
                        y++;
                    }
                    if (y == e || !sameValue(ra.kv[2 * x + 1], ra.counters[x], rb.kv[2 * y + 1], rb.counters[y])) {
                        return false;
                    }
                }
                i = e;
            }
            return true;
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
        final boolean judgesSame;
        /** The merger keeps equal entries: subtrees of equal content are kept without a visit. */
        final boolean skipEqual;
        final Run[] runs = new Run[8];
        /** Per depth, the children of the node being built; {@code Object[]} so that storing one never reads it. */
        final Object[][] kids = new Object[8][];
        /**
         * Per depth, the two "output still equals a's / b's" flags that {@link #mergeGroups}
         * clears: one array per depth and join instead of one per group (it was an allocation
         * per inline group, an eighth of a join's time).
         */
        final boolean[][] sameFlags = new boolean[8][];
        /** Per depth, children {@link #mergeSameShape} merged before handing the node to the general path. */
        final Node[][] premerged = new Node[8][];
        final int[] premergedMask = new int[8];
        /** {@link #mergeSameShape}'s "not of this shape" answer (null means an empty merge). */
        private static final Node NOT_SAME_SHAPE = new Node(0, 0, new int[0], new Object[0], null, 0, 0);

        Merge(Merger<Object, Object> m) {
            this.m = m;
            this.dotsIdentify = m.dotsIdentifyEntries();
            this.judgesSame = m.judgesSameEntries();
            this.skipEqual = m.keepsEqualEntries();
        }

        /**
         * Whether two subtrees at the same position certainly hold the same entries: never a
         * guess from a digest a peer could aim at (see {@link LocalDigest}).
         */
        private static boolean sameContent(Node a, Node b, int shift) {
            if (a == b) {
                return true;
            }
            if (a.size != b.size || a.digest != b.digest) {
                return false;
            }
            int flags = a.localFlags() | b.localFlags();
            if (a.localLo != b.localLo || a.localHi != b.localHi) {
                return false;
            }
            return (flags & Node.OPAQUE) == 0 || Node.same(a, b, shift);
        }

        private Run run(int depth) {
            Run r = runs[depth];
            if (r == null) {
                r = new Run(64);
                runs[depth] = r;
                kids[depth] = new Object[32];
                sameFlags[depth] = new boolean[2];
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
            if (skipEqual && a != null && b != null && sameContent(a, b, shift)) {
                return a;
            }
            if (shift > LAST_SHIFT) {
                return mergeCollisions(a, b);
            }
            int depth = shift / BITS;
            if (a != null && b != null && a != b && a.nodeMap == b.nodeMap && a.seps == null && b.seps == null
                    && (a.keys.length == 0 && b.keys.length == 0
                        || dotsIdentify && a.counters != null && b.counters != null
                        || judgesSame && a.counters == null && b.counters == null)
                    && (a.nodeMap == 0 || skipEqual && ((a.localFlags() | b.localFlags()) & Node.OPAQUE) == 0)) {
                Node r = mergeSameShape(a, b, shift, depth);
                if (r != NOT_SAME_SHAPE) {
                    return r;
                }
            }
            // Children that mergeSameShape already merged before it gave up (see there).
            int premergedFrags = premergedMask[depth];
            premergedMask[depth] = 0;
            Run out = run(depth);
            Object[] children = kids[depth];
            int dataMap = 0;
            int nodeMap = 0;
            // The size is a's, corrected fragment by fragment, so a kept child is never read.
            int size = a == null ? 0 : a.size;
            boolean sameAsA = a != null;
            boolean sameAsB = b != null;
            // The digest is a's, corrected by what differs from a: unchanged entries are not rehashed.
            long digest = a == null ? 0 : a.digest;
            int aMap = a == null ? 0 : a.dataMap | a.nodeMap;
            int bMap = b == null ? 0 : b.dataMap | b.nodeMap;
            int all = aMap | bMap;
            int ai = 0;
            int bi = 0;
            // Children of equal content are found from the parents' arrays of child digests,
            // without touching the children (see sameContent for why opaque ones are not).
            boolean compareKids = skipEqual && a != null && b != null && a.nodeMap != 0 && b.nodeMap != 0
                    && ((a.localFlags() | b.localFlags()) & Node.OPAQUE) == 0;
            for (int r = 0; r < 32 && all != 0; r++) {
                int frag = GROUP_ORDER[r];
                int bit = 1 << frag;
                if ((all & bit) == 0) {
                    continue;
                }
                all &= ~bit;
                boolean aData = a != null && (a.dataMap & bit) != 0;
                boolean bData = b != null && (b.dataMap & bit) != 0;
                if (compareKids && (a.nodeMap & bit) != 0 && (b.nodeMap & bit) != 0) {
                    int ca = Integer.bitCount(a.nodeMap & (bit - 1));
                    int cb = Integer.bitCount(b.nodeMap & (bit - 1));
                    if (Node.sameChildDigest(a, ca, b, cb)) {
                        // Equal content: a's child stays, its size and digest unchanged. Neither
                        // child is read (not even cast), which is what keeps this cheap.
                        Object kept = a.kv[2 * a.keys.length + ca];
                        children[frag] = kept;
                        nodeMap |= bit;
                        if (kept != b.kv[2 * b.keys.length + cb]) {
                            sameAsB = false;
                        }
                        continue;
                    }
                }
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
                    Node res = (premergedFrags & bit) != 0 ? premerged(depth, frag)
                            : merge(x, y, shift + BITS); // x == y still lets the merger decide each entry
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
                        size -= aChild.size;
                    } else if (aData) {
                        digest -= a.groupDigest(ai, aTo);
                        size -= aTo - ai;
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
                    boolean[] flags = sameFlags[depth];
                    flags[0] = sameAsA;
                    flags[1] = sameAsB;
                    long delta = skipEqual && sameGroup(a, ai, aTo, b, bi, bTo)
                            ? keepGroup(out, a, ai, aTo, b, bi, flags)
                            : mergeGroups(out, a, ai, aTo, b, bi, bTo, flags);
                    sameAsA = flags[0];
                    sameAsB = flags[1];
                    int produced = out.n - start;
                    if (produced > BUCKET) {
                        Node child = out.build(start, out.n, shift + BITS);
                        if (a != null && a.localFlags != 0) {
                            child.localFlags(); // a few entries, hashed now so that the parent can carry its digest
                        }
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
                    size += produced - (aTo - ai);
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
            Node r = assemble(out, children, dataMap, nodeMap, size, digest);
            carryWalkedLocal(r, a, b);
            return r;
        }

        /**
         * The merge of two distinct nodes with their children at the same positions (every node
         * above the bottom of a large trie, and most bottom nodes), whose inline entries, if any,
         * are dots that name their keys.
         *
         * <p>Children: the ones whose local digests differ are found by a vectorised comparison of
         * the two parents' digest arrays ({@link Arrays#mismatch}) and only those are merged; the
         * others are a's, unread. Inline entries: the common prefix and suffix of the two
         * sequences (same sort key, same dot: the same entry, which the general path too keeps
         * without asking the merger) are a's, and only the part between them is merged entry by
         * entry; runs of equal hashes are never cut. So a node on a path where two replicas differ
         * in one element costs one compare of its digest arrays and of its sort keys and dots,
         * not a pass through its 32 fragments with a decision per entry.
         *
         * <p>{@link #NOT_SAME_SHAPE} when the result has another shape (a merged child shrank to a
         * bucket or vanished, an inline group outgrew a bucket), which the general path lays out;
         * the children merged so far are then left in {@link #premergedMask}, never merged twice.
         */
        private Node mergeSameShape(Node a, Node b, int shift, int depth) {
            int an = a.keys.length;
            int bn = b.keys.length;
            // Children.
            Object[] newKids = null;
            int size = a.size;
            long digest = a.digest;
            int merged = 0; // child indexes merged so far
            // The result's local digest, carried from a's if known (see carryMergedLocal).
            boolean carry = a.localFlags != 0;
            long localLo = a.localLo;
            long localHi = a.localHi;
            boolean opaque = (a.localFlags & Node.OPAQUE) != 0;
            long[] kidsLocal = a.childLocal;
            if (a.nodeMap != 0) {
                long[] x = a.childLocal;
                long[] y = b.childLocal;
                int n = x.length;
                int from = 0;
                while (from < n) {
                    int at = Arrays.mismatch(x, from, n, y, from, n);
                    if (at < 0) {
                        break;
                    }
                    int c = (from + at) >>> 1;
                    Node ac = (Node) a.kv[2 * an + c];
                    Node res = merge(ac, (Node) b.kv[2 * bn + c], shift + BITS);
                    merged |= 1 << c;
                    if (res == null || res.size <= BUCKET) {
                        if (res != ac) {
                            if (newKids == null) {
                                newKids = a.kv.clone();
                            }
                            newKids[2 * an + c] = res;
                        }
                        return handOver(a, depth, merged, newKids);
                    }
                    if (res != ac) {
                        if (newKids == null) {
                            newKids = a.kv.clone(); // the result's slots, if its inline entries stay a's
                            kidsLocal = carry ? kidsLocal.clone() : null;
                        }
                        newKids[2 * an + c] = res;
                        byte rf = res.localFlags;
                        if (carry && rf != 0) {
                            localLo += res.localLo - kidsLocal[2 * c];
                            localHi += res.localHi - kidsLocal[2 * c + 1];
                            opaque |= (rf & Node.OPAQUE) != 0;
                            kidsLocal[2 * c] = res.localLo;
                            kidsLocal[2 * c + 1] = res.localHi;
                        } else {
                            carry = false;
                        }
                    }
                    size += res.size - ac.size;
                    digest += res.digest - ac.digest;
                    from = 2 * (c + 1);
                }
            }
            // Inline entries.
            int p = 0;
            int s = 0;
            boolean inlineSameAsA = true;
            boolean inlineSameAsB = an == bn;
            Run out = null;
            if (an != 0 || bn != 0) {
                int m = Math.min(an, bn);
                long[] ta = a.counters == null ? a.knownTags() : null;
                long[] tb = ta != null ? b.knownTags() : null;
                if (tb != null) {
                    // Same sort key and same keyed 128-bit entry digest: the same entry, on the
                    // odds that let a subtree be skipped on equal digests (LocalDigest).
                    p = flatPrefix(a.keys, ta, b.keys, tb, m);
                    while (s < m - p && a.keys[an - 1 - s] == b.keys[bn - 1 - s]
                            && ta[2 * (an - 1 - s)] == tb[2 * (bn - 1 - s)]
                            && ta[2 * (an - 1 - s) + 1] == tb[2 * (bn - 1 - s) + 1]) {
                        s++;
                    }
                } else {
                    if (a.counters != null && b.counters != null) {
                        p = dotPrefix(a, b, m);
                        while (s < m - p && sameDot(a, an - 1 - s, b, bn - 1 - s)) {
                            s++;
                        }
                    } else {
                        while (p < m && sameAt(a, p, b, p)) {
                            p++;
                        }
                        while (s < m - p && sameAt(a, an - 1 - s, b, bn - 1 - s)) {
                            s++;
                        }
                    }
                }
                p = trimPrefix(a, b, p);
                s = trimSuffix(a, b, s);
                if (p + s < an || p + s < bn) {
                    // Only the middle goes through the run; a's prefix and suffix are copied in bulk below.
                    out = run(depth);
                    boolean[] flags = sameFlags[depth];
                    flags[0] = true;
                    flags[1] = true;
                    digest += mergeGroups(out, a, p, an - s, b, p, bn - s, flags);
                    int produced = p + out.n + s;
                    inlineSameAsA = flags[0] && produced == an;
                    inlineSameAsB = flags[1] && produced == bn;
                    size += produced - an;
                }
            }
            if (inlineSameAsA && newKids == null) {
                return a;
            }
            if (inlineSameAsB && sameObjects(a, b, 0, p, 0) && sameObjects(a, b, an - s, an, bn - an)) {
                boolean isB = true;
                for (int c = 2 * bn; c < b.kv.length && isB; c++) {
                    isB = (newKids != null ? newKids : a.kv)[2 * an + c - 2 * bn] == b.kv[c];
                }
                if (isB) {
                    return b;
                }
            }
            if (size == 0) {
                return null;
            }
            int dataMap = a.dataMap;
            int[] ks = a.keys;
            long[] cs = a.counters;
            int n = an;
            Object[] kv;
            if (out != null) {
                int mid = out.n;
                n = p + mid + s;
                ks = new int[n];
                System.arraycopy(a.keys, 0, ks, 0, p);
                System.arraycopy(out.keys, 0, ks, p, mid);
                System.arraycopy(a.keys, an - s, ks, p + mid, s);
                dataMap = middleDataMap(a, p, s, ks, mid, shift);
                if (dataMap == -1) {
                    // A group outgrew a bucket (rare): the general path makes it a child.
                    return handOver(a, depth, merged, newKids);
                }
                if (a.counters == null && !out.anyDot) {
                    cs = null;
                } else if (a.counters == null) {
                    cs = new long[n];
                    System.arraycopy(out.counters, 0, cs, p, mid);
                } else if (p + s > 0 || out.anyDot) {
                    cs = new long[n];
                    System.arraycopy(a.counters, 0, cs, 0, p);
                    System.arraycopy(out.counters, 0, cs, p, mid);
                    System.arraycopy(a.counters, an - s, cs, p + mid, s);
                } else {
                    cs = null;
                }
                kv = new Object[2 * n + (a.kv.length - 2 * an)];
                System.arraycopy(a.kv, 0, kv, 0, 2 * p);
                System.arraycopy(out.kv, 0, kv, 2 * p, 2 * mid);
                System.arraycopy(a.kv, 2 * (an - s), kv, 2 * (p + mid), 2 * s);
                System.arraycopy(newKids != null ? newKids : a.kv, 2 * an, kv, 2 * n, a.kv.length - 2 * an);
            } else {
                kv = newKids; // a's inline entries, the merged children: never null here (else a was returned)
            }
            Node r = new Node(dataMap, a.nodeMap, ks, kv, cs, size, digest);
            if (carry) {
                carryMergedLocal(r, a, b, localLo, localHi, opaque, kidsLocal, out, p, s);
            }
            return r;
        }

        /**
         * Whether a's inline group {@code [ai, aTo)} and b's {@code [bi, bTo)} certainly hold the
         * same entries, judged from flat arrays only: the same sort keys, and the same dots (dot
         * nodes, {@link #dotsIdentify}) or the same keyed entry digests (nodes with tags); false
         * when that cannot be told cheaply. A node whose shape differs from the other side's
         * takes the general walk, and most of its groups are equal.
         */
        private boolean sameGroup(Node a, int ai, int aTo, Node b, int bi, int bTo) {
            int n = aTo - ai;
            if (n != bTo - bi || n == 0
                    || Arrays.mismatch(a.keys, ai, aTo, b.keys, bi, bTo) >= 0) {
                return false;
            }
            if (a.counters != null && b.counters != null) {
                if (!dotsIdentify) {
                    return false;
                }
                for (int i = 0; i < n; i++) {
                    if (!sameDot(a, ai + i, b, bi + i)) {
                        return false;
                    }
                }
                return true;
            }
            long[] ta = a.counters == null ? a.knownTags() : null;
            long[] tb = ta != null && b.counters == null ? b.knownTags() : null;
            return tb != null && Arrays.mismatch(ta, 2 * ai, 2 * aTo, tb, 2 * bi, 2 * bTo) < 0;
        }

        /** Keeps a's group {@code [ai, aTo)}, equal in content to b's from {@code bi} ({@link #sameGroup}); no digest change. */
        private static long keepGroup(Run out, Node a, int ai, int aTo, Node b, int bi, boolean[] flags) {
            for (int i = ai; i < aTo; i++) {
                out.add(a.keys[i], a.kv[2 * i], a.kv[2 * i + 1], a.counter(i));
                int j = bi + i - ai;
                if (a.kv[2 * i] != b.kv[2 * j] || a.kv[2 * i + 1] != b.kv[2 * j + 1]) {
                    flags[1] = false;
                }
            }
            return 0;
        }

        /** The prefix {@code p} shortened so that it does not cut a run of equal sort keys on either side. */
        private static int trimPrefix(Node a, Node b, int p) {
            int an = a.keys.length;
            int bn = b.keys.length;
            while (p > 0 && ((p < an && a.keys[p] == a.keys[p - 1]) || (p < bn && b.keys[p] == b.keys[p - 1]))) {
                p--;
            }
            return p;
        }

        /** The suffix {@code s} shortened likewise. */
        private static int trimSuffix(Node a, Node b, int s) {
            int an = a.keys.length;
            int bn = b.keys.length;
            while (s > 0 && ((an - s > 0 && a.keys[an - s] == a.keys[an - s - 1])
                    || (bn - s > 0 && b.keys[bn - s] == b.keys[bn - s - 1]))) {
                s--;
            }
            return s;
        }

        /** The length of the common prefix of two (sort key, two-lane tag) sequences, at most {@code m}. */
        private static int flatPrefix(int[] ka, long[] ta, int[] kb, long[] tb, int m) {
            int k = Arrays.mismatch(ka, 0, m, kb, 0, m);
            int limit = k < 0 ? m : k;
            int t = Arrays.mismatch(ta, 0, 2 * limit, tb, 0, 2 * limit);
            return t < 0 ? limit : t >>> 1;
        }

        /**
         * Gives {@code r}, built by {@link #mergeSameShape} from {@code a} and {@code b}, its
         * local digest now: {@code [lo, hi]} is a's with the changed children's digests in place
         * of a's (whose copies, updated, are {@code kidsLocal}), corrected by the {@link #replacement}
         * of a's inline middle {@code [p, an - s)} by the run {@code out} (null if none). Leaving
         * it to the next comparison would hash every entry of {@code r}; and a merged replica is
         * usually joined again.
         */
        private static void carryMergedLocal(Node r, Node a, Node b, long lo, long hi, boolean opaque,
                long[] kidsLocal, Run out, int p, int s) {
            int an = a.keys.length;
            int rn = r.keys.length;
            long[] aTags = a.knownTags();
            long[] rTags = out == null ? aTags : null; // the same inline entries as a's
            if (out != null) {
                int aTo = an - s;
                if (r.counters == null && rn > 0 && (aTags != null || p + s == 0)) {
                    rTags = new long[2 * rn];
                    if (p + s > 0) {
                        System.arraycopy(aTags, 0, rTags, 0, 2 * p);
                        System.arraycopy(aTags, 2 * aTo, rTags, 2 * (rn - s), 2 * s);
                    }
                }
                LocalDigest d = replacement(a, p, aTo, b, p, b.keys.length - s, out.keys, out.kv, out.counters,
                        out.n, rTags, p);
                lo += d.lo;
                hi += d.hi;
                opaque |= d.opaque;
            }
            r.setKnownLocal(lo, hi, opaque, kidsLocal, rTags);
        }

        /**
         * Gives {@code r}, laid out by the general walk from {@code a} and {@code b} (either may be
         * null), its local digest now if {@code a}'s and every child's of {@code r} are known:
         * a's inline share, corrected by the {@link #replacement} of all a's inline entries by
         * {@code r}'s, plus {@code r}'s children's. Else left unknown, for the next comparison to
         * compute.
         */
        private static void carryWalkedLocal(Node r, Node a, Node b) {
            if (r == null || a == null || a.localFlags == 0 || r.seps != null) {
                return;
            }
            int rn = r.keys.length;
            int kids = r.kv.length - 2 * rn;
            long[] kidsLocal = kids > 0 ? new long[2 * kids] : null;
            long lo = a.localLo;
            long hi = a.localHi;
            boolean opaque = (a.localFlags & Node.OPAQUE) != 0;
            if (a.childLocal != null) {
                for (int i = 0; i < a.childLocal.length; i += 2) {
                    lo -= a.childLocal[i];
                    hi -= a.childLocal[i + 1];
                }
            }
            for (int c = 0; c < kids; c++) {
                Node child = (Node) r.kv[2 * rn + c];
                byte f = child.localFlags;
                if (f == 0) {
                    return;
                }
                kidsLocal[2 * c] = child.localLo;
                kidsLocal[2 * c + 1] = child.localHi;
                lo += child.localLo;
                hi += child.localHi;
                opaque |= (f & Node.OPAQUE) != 0;
            }
            long[] rTags = r.counters == null && rn > 0 ? new long[2 * rn] : null;
            LocalDigest d = replacement(a, 0, a.keys.length, b, 0, b == null ? 0 : b.keys.length, r.keys, r.kv,
                    r.counters, rn, rTags, 0);
            r.setKnownLocal(lo + d.lo, hi + d.hi, opaque || d.opaque, kidsLocal, rTags);
        }

        /**
         * The change of a local digest when a's inline entries {@code [aFrom, aTo)} are replaced
         * by the {@code n} entries of {@code keys}, {@code kv} and {@code counters} (null: none is
         * a dot), a run's or a node's in sort-key order. An entry that is a's own (same sort key,
         * same objects) changes nothing and is not hashed; one that is b's (in
         * {@code [bFrom, bTo)}, same value object, equal key: a merge may pair a's key with b's
         * value, and equal keys hash alike) takes its digest from b's tags; any other is hashed,
         * as is each of a's replaced entries unless a has tags. Each new entry's lanes go to
         * {@code tags} from {@code tagsAt} on, if it is not null. So a join hashes at most the
         * entries it changed, and a map's join that keeps one side's entries hashes none.
         */
        private static LocalDigest replacement(Node a, int aFrom, int aTo, Node b, int bFrom, int bTo, int[] keys,
                Object[] kv, long[] counters, int n, long[] tags, int tagsAt) {
            long[] aTags = a.knownTags();
            long[] bTags = b == null ? null : b.knownTags();
            long lo = 0;
            long hi = 0;
            boolean opaque = false;
            int i = aFrom;
            int k = bFrom;
            for (int j = 0; j < n; j++) {
                int sk = keys[j];
                Object key = kv[2 * j];
                Object slot = kv[2 * j + 1];
                long ctr = counters == null ? 0 : counters[j];
                while (i < aTo && a.keys[i] < sk) {
                    LocalDigest d = entryLocal(a, i, aTags);
                    lo -= d.lo;
                    hi -= d.hi;
                    i++;
                }
                while (k < bTo && b.keys[k] < sk) {
                    k++;
                }
                LocalDigest d;
                if (i < aTo && a.keys[i] == sk && a.kv[2 * i] == key && a.kv[2 * i + 1] == slot && a.counter(i) == ctr) {
                    // a's entry kept: its share stays in the sum.
                    i++;
                    if (tags == null) {
                        continue;
                    }
                    d = entryLocal(a, i - 1, aTags);
                } else {
                    if (bTags != null && k < bTo && b.keys[k] == sk && b.kv[2 * k + 1] == slot && b.counter(k) == ctr
                            && (b.kv[2 * k] == key || b.kv[2 * k].equals(key))) {
                        d = new LocalDigest(bTags[2 * k], bTags[2 * k + 1], false);
                        k++;
                    } else {
                        // A removed opaque entry may leave the flag set: a spare verification, never a wrong skip.
                        d = LocalDigest.ofEntry(key, slot, ctr);
                        opaque |= d.opaque;
                    }
                    lo += d.lo;
                    hi += d.hi;
                }
                if (tags != null) {
                    tags[2 * (tagsAt + j)] = d.lo;
                    tags[2 * (tagsAt + j) + 1] = d.hi;
                }
            }
            for (; i < aTo; i++) {
                LocalDigest d = entryLocal(a, i, aTags);
                lo -= d.lo;
                hi -= d.hi;
            }
            return new LocalDigest(lo, hi, opaque);
        }

        /** The local digest of node {@code n}'s entry {@code i}: from its tags if it has them, else hashed. */
        private static LocalDigest entryLocal(Node n, int i, long[] tags) {
            return tags != null ? new LocalDigest(tags[2 * i], tags[2 * i + 1], false)
                    : LocalDigest.ofEntry(n.kv[2 * i], n.kv[2 * i + 1], n.counter(i));
        }

        /**
         * The data map of a node whose inline entries {@code ks} ({@code n} of them) are a's
         * entries {@code [0, p)}, then {@code mid} new ones, then a's last {@code s}; or -1 if a
         * fragment group now holds more than a bucket. Only the groups that meet the middle can
         * differ from a's (a group is contiguous in sort-key order), so only those are looked at.
         */
        private static int middleDataMap(Node a, int p, int s, int[] ks, int mid, int shift) {
            int an = a.keys.length;
            int n = ks.length;
            int removed = 0;
            for (int i = p; i < an - s; i++) {
                removed |= 1 << fragment(a.keys[i], shift);
            }
            int map = a.dataMap & ~removed;
            if (p > 0) {
                map |= 1 << fragment(a.keys[p - 1], shift); // a group that also reached into the prefix
            }
            if (s > 0) {
                map |= 1 << fragment(a.keys[an - s], shift);
            }
            if (mid == 0) {
                return map; // groups only shrank
            }
            // Groups meeting the middle, looked at within BUCKET entries of it: a group cut by the
            // window's edge that meets the middle holds more than a bucket within the window.
            int lo = Math.max(0, p - BUCKET);
            int hi = Math.min(n, p + mid + BUCKET);
            for (int i = lo; i < hi; ) {
                int frag = fragment(ks[i], shift);
                int j = i + 1;
                while (j < hi && fragment(ks[j], shift) == frag) {
                    j++;
                }
                if (j > p && i < p + mid) {
                    if (j - i > BUCKET) {
                        return -1;
                    }
                    map |= 1 << frag;
                }
                i = j;
            }
            return map;
        }

        /**
         * The longest common prefix, at most {@code m} entries, of two nodes with dot counters:
         * entries with the same sort key and the same dot ({@link #sameDot}), found by comparing
         * the flat arrays of sort keys and counters first.
         */
        private static int dotPrefix(Node a, Node b, int m) {
            int k = Arrays.mismatch(a.keys, 0, m, b.keys, 0, m);
            int limit = k < 0 ? m : k;
            int c = Arrays.mismatch(a.counters, 0, limit, b.counters, 0, limit);
            if (c >= 0) {
                limit = c;
            }
            // Sort keys and counters are equal up to limit: only the dots' replicas are left to compare.
            int i = 0;
            while (i < limit && a.counters[i] != 0) {
                Object sa = a.kv[2 * i + 1];
                Object sb = b.kv[2 * i + 1];
                if (sa != sb && !sa.equals(sb)) {
                    break;
                }
                i++;
            }
            return i;
        }

        /**
         * {@link #mergeSameShape} gives the node to the general path: the children of index set
         * {@code merged} (results in {@code newKids}, a copy of a's slots, or a's where null) are left for it in
         * {@link #premerged}.
         */
        private Node handOver(Node a, int depth, int merged, Object[] newKids) {
            int mask = 0;
            if (merged != 0) {
                Node[] done = premergedAt(depth);
                int an2 = 2 * a.keys.length;
                int bits = a.nodeMap;
                for (int i = 0; bits != 0; i++) {
                    int frag = Integer.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    if ((merged & (1 << i)) != 0) {
                        done[frag] = (Node) (newKids != null ? newKids : a.kv)[an2 + i];
                        mask |= 1 << frag;
                    }
                }
            }
            premergedMask[depth] = mask;
            return NOT_SAME_SHAPE;
        }

        private Node[] premergedAt(int depth) {
            Node[] p = premerged[depth];
            if (p == null) {
                p = new Node[32];
                premerged[depth] = p;
            }
            return p;
        }

        private Node premerged(int depth, int frag) {
            Node r = premerged[depth][frag];
            premerged[depth][frag] = null;
            return r;
        }

        /**
         * Whether a's entry {@code i} and b's {@code j} are the same entry: equal sort keys and
         * either the same dot (nodes with counters, {@link #dotsIdentify}) or, for entries without
         * a counter, the merger's {@link Merger#sameEntry} (an LWW entry's dot: one write of one
         * key), never a digest.
         */
        private boolean sameAt(Node a, int i, Node b, int j) {
            if (a.counters != null) {
                return sameDot(a, i, b, j);
            }
            return a.keys[i] == b.keys[j] && m.sameEntry(a.kv[2 * i + 1], b.kv[2 * j + 1]);
        }

        private static boolean sameDot(Node a, int i, Node b, int j) {
            long c = a.counters[i];
            if (c == 0 || c != b.counters[j] || a.keys[i] != b.keys[j]) {
                return false;
            }
            Object sa = a.kv[2 * i + 1];
            Object sb = b.kv[2 * j + 1];
            return sa == sb || sa.equals(sb);
        }

        /** Whether a's entries {@code [from, to)} are b's {@code [from + offset, to + offset)}, object for object. */
        private static boolean sameObjects(Node a, Node b, int from, int to, int offset) {
            for (int i = from; i < to; i++) {
                if (a.kv[2 * i] != b.kv[2 * (i + offset)] || a.kv[2 * i + 1] != b.kv[2 * (i + offset) + 1]) {
                    return false;
                }
            }
            return true;
        }

        private static Node assemble(Run out, Object[] children, int dataMap, int nodeMap, int size, long digest) {
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
                        delta += mergeOrdered(out, a, i, ie, b, j, je, flags);
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
                if (r == vb) {
                    // b's entry whole, its key object too: the result may then be b's node, and
                    // a digest carried from b's tags needs no key comparison.
                    out.add(b.keys[j], kb, sb, cb);
                    return entryHash(kb, sb, cb) - a.entryDigest(i);
                }
                Object slot = slotOf(r);
                long ctr = counterOf(r);
                flags[1] = false;
                out.add(a.keys[i], ka, slot, ctr);
                return entryHash(ka, slot, ctr) - a.entryDigest(i);
            }
            // Different keys with equal hashes: two one-sided merges, output in key order (a's
            // first when the keys tie).
            flags[0] = false;
            flags[1] = false;
            boolean rightFirst = compareKeys(ka, kb) > 0;
            long delta = rightFirst ? rightAlone(out, b, j) : 0;
            Object va = a.value(i);
            Object r1 = m.merge(ka, va, null);
            delta += keepOrReplace(out, a, i, r1, va, flags, true);
            return rightFirst ? delta : delta + rightAlone(out, b, j);
        }

        /** b's entry {@code j} merged with no left entry, added to {@code out} unless dropped; the digest change. */
        private long rightAlone(Run out, Node b, int j) {
            Object kb = b.kv[2 * j];
            Object vb = b.value(j);
            Object r = m.merge(kb, null, vb);
            if (r == null) {
                return 0;
            }
            Object slot = r == vb ? b.kv[2 * j + 1] : slotOf(r);
            long ctr = r == vb ? b.counter(j) : counterOf(r);
            out.add(b.keys[j], kb, slot, ctr);
            return entryHash(kb, slot, ctr);
        }

        /**
         * Merges two ranges of keys with one hash, each in {@link #compareKeys} order, into
         * {@code out} in that order: the digest change relative to a's range; clears
         * {@code flags[0]} / {@code flags[1]} as {@link #mergeGroups} does. Keys that tie in that
         * order are matched by {@code equals} within their tie ({@link #collisionRun}).
         */
        private long mergeOrdered(Run out, Node a, int i, int ie, Node b, int j, int je, boolean[] flags) {
            long delta = 0;
            if (a == b) {
                // The same entries on both sides: the merger still decides each.
                for (; i < ie; i++) {
                    Object v = a.value(i);
                    delta += keepOrReplace(out, a, i, m.merge(a.kv[2 * i], v, v), v, flags, true);
                }
                return delta;
            }
            while (i < ie || j < je) {
                int c = i >= ie ? 1 : j >= je ? -1 : compareKeys(a.kv[2 * i], b.kv[2 * j]);
                if (c < 0) {
                    Object v = a.value(i);
                    Object r = m.merge(a.kv[2 * i], v, null);
                    flags[1] = false;
                    delta += keepOrReplace(out, a, i, r, v, flags, false);
                    i++;
                } else if (c > 0) {
                    Object v = b.value(j);
                    Object r = m.merge(b.kv[2 * j], null, v);
                    flags[0] = false;
                    if (r != v) {
                        flags[1] = false;
                    }
                    if (r != null) {
                        Object slot = r == v ? b.kv[2 * j + 1] : slotOf(r);
                        long ctr = r == v ? b.counter(j) : counterOf(r);
                        out.add(b.keys[j], b.kv[2 * j], slot, ctr);
                        delta += entryHash(b.kv[2 * j], slot, ctr);
                    }
                    j++;
                } else {
                    Object k = a.kv[2 * i];
                    int ix = i + 1;
                    while (ix < ie && compareKeys(a.kv[2 * ix], k) == 0) {
                        ix++;
                    }
                    int jx = j + 1;
                    while (jx < je && compareKeys(b.kv[2 * jx], k) == 0) {
                        jx++;
                    }
                    if (ix - i == 1 && jx - j == 1) {
                        delta += pairEntries(out, a, i, b, j, flags);
                    } else {
                        delta += collisionRun(out, a, i, ix, b, j, jx, flags);
                    }
                    i = ix;
                    j = jx;
                }
            }
            return delta;
        }

        /**
         * The merge of two collision trees (either may be null, not both; they may be the same):
         * both flattened and merged in key order, O(n + m) like the rest of a merge; a or b itself
         * when the merge keeps exactly its entries.
         */
        private Node mergeCollisions(Node a, Node b) {
            Run ra = new Run(a == null ? 0 : a.size);
            if (a != null) {
                Collisions.flatten(a, ra);
            }
            Run rb = ra;
            if (b != a) {
                rb = new Run(b == null ? 0 : b.size);
                if (b != null) {
                    Collisions.flatten(b, rb);
                }
            }
            Node fa = ra.asNode();
            Node fb = rb == ra ? fa : rb.asNode();
            Run out = new Run(ra.n + (rb == ra ? 0 : rb.n));
            boolean[] flags = {a != null, b != null};
            mergeOrdered(out, fa, 0, ra.n, fb, 0, rb.n, flags);
            if (flags[0] && a != null && out.n == a.size) {
                return a;
            }
            if (flags[1] && b != null && out.n == b.size) {
                return b;
            }
            return out.n == 0 ? null : out.build(0, out.n, LAST_SHIFT + BITS);
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
        /** Seven trie levels, then a collision tree: at most 11 levels for 2^31 entries. */
        private final Node[] nodes = new Node[24];
        private final int[] positions = new int[24];
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
