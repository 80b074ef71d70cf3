package io.converge.crdt.internal;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * A persistent hash map (a compressed hash-array mapped prefix tree, "CHAMP": Steindorfer and
 * Vinju, OOPSLA 2015) that is the store behind the map- and set-shaped CRDTs.
 *
 * <h2>Why this structure</h2>
 * <ul>
 *   <li><b>Structural sharing.</b> {@link #put} and {@link #remove} copy only the O(log₃₂ n)
 *       nodes on one path, so applying a one-element delta to a state of a million elements
 *       costs a few hundred nanoseconds and the old state stays valid (values stay immutable).
 *   <li><b>Structural join.</b> {@link #merge} walks two tries side by side, node against node,
 *       and returns the left (or right) node itself wherever the merge leaves a subtree unchanged:
 *       joining two states that share most entries allocates little beyond the differences.
 *   <li><b>Canonical form.</b> Data entries sit inline in their node (no entry objects); a node
 *       other than the root never holds a single entry and no children (that entry moves up into
 *       the parent). Equal maps therefore have the same shape, which makes equality a parallel
 *       walk.
 * </ul>
 *
 * <h2>Layout</h2> A bitmap node has a 32-bit {@code dataMap} and {@code nodeMap}; its array holds
 * key/value pairs in bit order from the front and children in bit order from the back. Five hash
 * bits per level; below 32 bits of hash, colliding keys share a {@link Collision} node.
 *
 * <p>Immutable and safe to share between threads. Keys and values are never null.
 *
 * @param <K> key type, with consistent {@code equals} and {@code hashCode}
 * @param <V> value type
 */
public final class HashTrie<K, V> {
    private static final int BITS = 5;
    private static final int MASK = (1 << BITS) - 1;
    private static final Bitmap EMPTY_NODE = new Bitmap(0, 0, new Object[0], 0, 0);
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

    /** Number of entries. O(1). */
    public int size() {
        return root.size();
    }

    /** Whether the map is empty. */
    public boolean isEmpty() {
        return root.size() == 0;
    }

    /** The value for {@code key}, or null. O(log n). */
    @SuppressWarnings("unchecked")
    public V get(K key) {
        return (V) root.find(key, spread(key), 0);
    }

    /** Whether {@code key} is present. */
    public boolean containsKey(K key) {
        return get(key) != null;
    }

    /** This map with {@code key ↦ value}; {@code this} if the value is already the same reference. */
    public HashTrie<K, V> put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Node r = root.put(key, value, spread(key), 0);
        return r == root ? this : new HashTrie<>(r);
    }

    /** This map without {@code key}; {@code this} if it was absent. */
    public HashTrie<K, V> remove(K key) {
        Node r = root.remove(key, spread(key), 0);
        return r == root ? this : new HashTrie<>(r == null ? EMPTY_NODE : r);
    }

    /**
     * Merges two maps entry by entry. Subtrees (and the whole map) are shared with the inputs
     * wherever the merger returns the left value, or where it returns the right value and the
     * right subtree is unchanged. O(n + m) in the worst case, less where one side lacks whole
     * subtrees and the merger keeps them untouched.
     */
    @SuppressWarnings("unchecked")
    public HashTrie<K, V> merge(HashTrie<K, V> other, Merger<K, V> merger) {
        Node r = Node.merge(root, other.root, 0, (Merger<Object, Object>) merger, new Bitmap.Acc[8]);
        if (r == null) {
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
        return root.hash();
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
                if (n instanceof Bitmap b) {
                    int data = 2 * Integer.bitCount(b.dataMap);
                    if (pos < data) {
                        positions[depth] = pos + 2;
                        nextKey = b.content[pos];
                        nextValue = b.content[pos + 1];
                        return;
                    }
                    int child = b.content.length - 1 - (pos - data);
                    if (child >= data) {
                        positions[depth] = pos + 1;
                        depth++;
                        nodes[depth] = (Node) b.content[child];
                        positions[depth] = 0;
                        continue;
                    }
                } else {
                    Collision c = (Collision) n;
                    if (pos < c.kv.length) {
                        positions[depth] = pos + 2;
                        nextKey = c.kv[pos];
                        nextValue = c.kv[pos + 1];
                        return;
                    }
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

    /** An entry's share of the content digest: order-independent once summed. */
    private static long entryHash(Object k, Object v) {
        return Digests.pair(Digests.ofObject(k), Digests.ofObject(v));
    }

    private abstract static class Node {
        abstract int size();

        /** Sum of the entries' digests ({@link Digests}), kept up to date. */
        abstract long hash();

        abstract Object find(Object key, int hash, int shift);

        abstract Node put(Object key, Object value, int hash, int shift);

        /** Null when the node became empty. */
        abstract Node remove(Object key, int hash, int shift);

        abstract void forEach(BiConsumer<Object, Object> action);

        abstract boolean allMatch(BiPredicate<Object, Object> test);

        /** Whether the node holds exactly one entry (and could be inlined into its parent). */
        abstract boolean isSingleton();

        abstract Object singleKey();

        abstract Object singleValue();

        abstract int singleHash();

        static Node pair(Object k1, Object v1, int h1, Object k2, Object v2, int h2, int shift) {
            if (shift >= 32) {
                return new Collision(h1, new Object[] {k1, v1, k2, v2});
            }
            int f1 = (h1 >>> shift) & MASK;
            int f2 = (h2 >>> shift) & MASK;
            long hash = entryHash(k1, v1) + entryHash(k2, v2);
            if (f1 != f2) {
                Object[] c = f1 < f2 ? new Object[] {k1, v1, k2, v2} : new Object[] {k2, v2, k1, v1};
                return new Bitmap((1 << f1) | (1 << f2), 0, c, 2, hash);
            }
            Node child = pair(k1, v1, h1, k2, v2, h2, shift + BITS);
            return new Bitmap(0, 1 << f1, new Object[] {child}, 2, hash);
        }

        static Node single(Object k, Object v, int h, int shift) {
            if (shift >= 32) {
                return new Collision(h, new Object[] {k, v});
            }
            return new Bitmap(1 << ((h >>> shift) & MASK), 0, new Object[] {k, v}, 1, entryHash(k, v));
        }

        /** Structural merge of two nodes at the same position; null when the result is empty. */
        static Node merge(Node a, Node b, int shift, Merger<Object, Object> m, Bitmap.Acc[] pool) {
            if (a instanceof Bitmap x && b instanceof Bitmap y) {
                return Bitmap.merge(x, y, shift, m, pool);
            }
            return Collision.merge((Collision) a, (Collision) b, m);
        }

        /** Applies the merger to every entry of a node that only one side has. */
        static Node mapOneSide(Node n, boolean left, Merger<Object, Object> m, int shift, Bitmap.Acc[] pool) {
            if (n instanceof Bitmap b) {
                return Bitmap.mapOneSide(b, left, m, shift, pool);
            }
            return Collision.mapOneSide((Collision) n, left, m);
        }

        static boolean same(Node a, Node b) {
            if (a == b) {
                return true;
            }
            if (a instanceof Bitmap x && b instanceof Bitmap y) {
                if (x.dataMap != y.dataMap || x.nodeMap != y.nodeMap || x.size != y.size) {
                    return false;
                }
                int data = 2 * Integer.bitCount(x.dataMap);
                for (int i = 0; i < data; i++) {
                    if (!x.content[i].equals(y.content[i])) {
                        return false;
                    }
                }
                for (int i = data; i < x.content.length; i++) {
                    if (!same((Node) x.content[i], (Node) y.content[i])) {
                        return false;
                    }
                }
                return true;
            }
            if (a instanceof Collision x && b instanceof Collision y) {
                if (x.hash != y.hash || x.kv.length != y.kv.length) {
                    return false;
                }
                for (int i = 0; i < x.kv.length; i += 2) {
                    Object v = y.find(x.kv[i], x.hash, 32);
                    if (v == null || !v.equals(x.kv[i + 1])) {
                        return false;
                    }
                }
                return true;
            }
            return false;
        }
    }

    private static final class Bitmap extends Node {
        final int dataMap;
        final int nodeMap;
        final Object[] content;
        final int size;
        final long hash;

        Bitmap(int dataMap, int nodeMap, Object[] content, int size, long hash) {
            this.dataMap = dataMap;
            this.nodeMap = nodeMap;
            this.content = content;
            this.size = size;
            this.hash = hash;
        }

        @Override
        int size() {
            return size;
        }

        @Override
        long hash() {
            return hash;
        }

        private int dataIndex(int bit) {
            return Integer.bitCount(dataMap & (bit - 1));
        }

        private int nodeIndex(int bit) {
            return content.length - 1 - Integer.bitCount(nodeMap & (bit - 1));
        }

        @Override
        Object find(Object key, int hash, int shift) {
            int bit = 1 << ((hash >>> shift) & MASK);
            if ((dataMap & bit) != 0) {
                int i = 2 * dataIndex(bit);
                Object k = content[i];
                return k == key || k.equals(key) ? content[i + 1] : null;
            }
            if ((nodeMap & bit) != 0) {
                return ((Node) content[nodeIndex(bit)]).find(key, hash, shift + BITS);
            }
            return null;
        }

        @Override
        Node put(Object key, Object value, int hash, int shift) {
            int bit = 1 << ((hash >>> shift) & MASK);
            if ((dataMap & bit) != 0) {
                int i = 2 * dataIndex(bit);
                Object k = content[i];
                if (k == key || k.equals(key)) {
                    if (content[i + 1] == value) {
                        return this;
                    }
                    Object[] c = content.clone();
                    c[i + 1] = value;
                    return new Bitmap(dataMap, nodeMap, c, size, this.hash - entryHash(k, content[i + 1]) + entryHash(k, value));
                }
                // Two keys share this slot: push both one level down.
                Node child = pair(k, content[i + 1], spread(k), key, value, hash, shift + BITS);
                return withDataReplacedByNode(bit, i, child, size + 1, this.hash + entryHash(key, value));
            }
            if ((nodeMap & bit) != 0) {
                int ni = nodeIndex(bit);
                Node old = (Node) content[ni];
                Node nw = old.put(key, value, hash, shift + BITS);
                if (nw == old) {
                    return this;
                }
                Object[] c = content.clone();
                c[ni] = nw;
                return new Bitmap(dataMap, nodeMap, c, size - old.size() + nw.size(), this.hash - old.hash() + nw.hash());
            }
            int i = 2 * dataIndex(bit);
            Object[] c = new Object[content.length + 2];
            System.arraycopy(content, 0, c, 0, i);
            c[i] = key;
            c[i + 1] = value;
            System.arraycopy(content, i, c, i + 2, content.length - i);
            return new Bitmap(dataMap | bit, nodeMap, c, size + 1, this.hash + entryHash(key, value));
        }

        private Node withDataReplacedByNode(int bit, int dataPos, Node child, int newSize, long newHash) {
            int oldNodeIndex = content.length - 1 - Integer.bitCount(nodeMap & (bit - 1));
            Object[] c = new Object[content.length - 1];
            // Copy data before and after the removed pair.
            System.arraycopy(content, 0, c, 0, dataPos);
            System.arraycopy(content, dataPos + 2, c, dataPos, oldNodeIndex - dataPos - 1);
            // Children: those after the new one (higher bits) stay before it in the array.
            int newNodeIndex = oldNodeIndex - 2 + 1;
            c[newNodeIndex] = child;
            System.arraycopy(content, oldNodeIndex + 1, c, newNodeIndex + 1, content.length - oldNodeIndex - 1);
            return new Bitmap(dataMap ^ bit, nodeMap | bit, c, newSize, newHash);
        }

        @Override
        Node remove(Object key, int hash, int shift) {
            int bit = 1 << ((hash >>> shift) & MASK);
            if ((dataMap & bit) != 0) {
                int i = 2 * dataIndex(bit);
                Object k = content[i];
                if (!(k == key || k.equals(key))) {
                    return this;
                }
                if (size == 1) {
                    return null;
                }
                Object[] c = new Object[content.length - 2];
                System.arraycopy(content, 0, c, 0, i);
                System.arraycopy(content, i + 2, c, i, content.length - i - 2);
                return new Bitmap(dataMap ^ bit, nodeMap, c, size - 1, this.hash - entryHash(k, content[i + 1]));
            }
            if ((nodeMap & bit) != 0) {
                int ni = nodeIndex(bit);
                Node old = (Node) content[ni];
                Node nw = old.remove(key, hash, shift + BITS);
                if (nw == old) {
                    return this;
                }
                if (nw != null && nw.isSingleton()) {
                    if (size - old.size() + 1 == 1) {
                        // This node would hold only that entry: let the parent inline it.
                        return single(nw.singleKey(), nw.singleValue(), nw.singleHash(), shift);
                    }
                    return withNodeReplacedByData(bit, ni, nw.singleKey(), nw.singleValue(), size - old.size() + 1,
                            this.hash - old.hash() + nw.hash());
                }
                Object[] c = content.clone();
                c[ni] = nw;
                return new Bitmap(dataMap, nodeMap, c, size - old.size() + nw.size(), this.hash - old.hash() + nw.hash());
            }
            return this;
        }

        private Node withNodeReplacedByData(int bit, int nodePos, Object key, Object value, int newSize, long newHash) {
            int di = 2 * dataIndex(bit);
            Object[] c = new Object[content.length + 1];
            System.arraycopy(content, 0, c, 0, di);
            c[di] = key;
            c[di + 1] = value;
            System.arraycopy(content, di, c, di + 2, nodePos - di);
            System.arraycopy(content, nodePos + 1, c, nodePos + 2, content.length - nodePos - 1);
            return new Bitmap(dataMap | bit, nodeMap ^ bit, c, newSize, newHash);
        }

        @Override
        void forEach(BiConsumer<Object, Object> action) {
            int data = 2 * Integer.bitCount(dataMap);
            for (int i = 0; i < data; i += 2) {
                action.accept(content[i], content[i + 1]);
            }
            for (int i = content.length - 1; i >= data; i--) {
                ((Node) content[i]).forEach(action);
            }
        }

        @Override
        boolean allMatch(BiPredicate<Object, Object> test) {
            int data = 2 * Integer.bitCount(dataMap);
            for (int i = 0; i < data; i += 2) {
                if (!test.test(content[i], content[i + 1])) {
                    return false;
                }
            }
            for (int i = content.length - 1; i >= data; i--) {
                if (!((Node) content[i]).allMatch(test)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        boolean isSingleton() {
            return size == 1 && nodeMap == 0;
        }

        @Override
        Object singleKey() {
            return content[0];
        }

        @Override
        Object singleValue() {
            return content[1];
        }

        @Override
        int singleHash() {
            return spread(content[0]);
        }

        /**
         * Accumulates the slots of a merged node in bit order, and notices when the result is
         * exactly {@code a} or exactly {@code b} so the caller can return the input itself.
         */
        static final class Acc {
            final Object[] keys = new Object[32];
            final Object[] values = new Object[32];
            final Node[] nodes = new Node[32];
            int dataMap;
            int nodeMap;
            int size;
            boolean sameAsA;
            boolean sameAsB;

            /** The accumulator for depth {@code shift}, reset; one per depth, reused by the whole merge. */
            static Acc at(Acc[] pool, int shift) {
                int depth = shift / BITS;
                Acc a = pool[depth];
                if (a == null) {
                    a = new Acc();
                    pool[depth] = a;
                }
                a.dataMap = 0;
                a.nodeMap = 0;
                a.size = 0;
                a.sameAsA = true;
                a.sameAsB = true;
                return a;
            }

            void data(int bit, int frag, Object k, Object v) {
                dataMap |= bit;
                keys[frag] = k;
                values[frag] = v;
                size++;
            }

            void node(int bit, int frag, Node n) {
                nodeMap |= bit;
                nodes[frag] = n;
                size += n.size();
            }

            /** Builds the merged node; digests are computed only here, for nodes that changed. */
            Node build() {
                long hash = 0;
                int dc = Integer.bitCount(dataMap);
                int nc = Integer.bitCount(nodeMap);
                Object[] c = new Object[2 * dc + nc];
                int di = 0;
                int ni = c.length - 1;
                for (int frag = 0; frag < 32; frag++) {
                    int bit = 1 << frag;
                    if ((dataMap & bit) != 0) {
                        c[di++] = keys[frag];
                        c[di++] = values[frag];
                        hash += entryHash(keys[frag], values[frag]);
                    } else if ((nodeMap & bit) != 0) {
                        c[ni--] = nodes[frag];
                        hash += nodes[frag].hash();
                    }
                }
                return new Bitmap(dataMap, nodeMap, c, size, hash);
            }
        }

        static Node merge(Bitmap a, Bitmap b, int shift, Merger<Object, Object> m, Acc[] pool) {
            if (a == b) {
                return mergeSame(a, shift, m, pool);
            }
            Acc acc = Acc.at(pool, shift);
            int all = a.dataMap | a.nodeMap | b.dataMap | b.nodeMap;
            while (all != 0) {
                int bit = Integer.lowestOneBit(all);
                all ^= bit;
                int frag = Integer.numberOfTrailingZeros(bit);
                mergeSlot(acc, a, b, bit, frag, shift, m, pool);
            }
            return finish(acc, a, b, shift);
        }

        /** A node merged with itself: the merger still decides each entry. */
        private static Node mergeSame(Bitmap a, int shift, Merger<Object, Object> m, Acc[] pool) {
            Acc acc = Acc.at(pool, shift);
            acc.sameAsB = false;
            int all = a.dataMap | a.nodeMap;
            while (all != 0) {
                int bit = Integer.lowestOneBit(all);
                all ^= bit;
                int frag = Integer.numberOfTrailingZeros(bit);
                if ((a.dataMap & bit) != 0) {
                    int i = 2 * a.dataIndex(bit);
                    Object k = a.content[i];
                    Object v = a.content[i + 1];
                    addEntry(acc, bit, frag, k, m.merge(k, v, v), v, shift);
                } else {
                    Node child = (Node) a.content[a.nodeIndex(bit)];
                    addNode(acc, bit, frag, merge(child, child, shift + BITS, m, pool), child, null, shift);
                }
            }
            return finish(acc, a, null, shift);
        }

        private static Node finish(Acc acc, Bitmap a, Bitmap b, int shift) {
            if (acc.size == 0) {
                return null;
            }
            if (acc.sameAsA && acc.dataMap == a.dataMap && acc.nodeMap == a.nodeMap) {
                return a;
            }
            if (b != null && acc.sameAsB && acc.dataMap == b.dataMap && acc.nodeMap == b.nodeMap) {
                return b;
            }
            if (acc.size == 1 && acc.nodeMap == 0 && shift > 0) {
                int frag = Integer.numberOfTrailingZeros(acc.dataMap);
                return new Bitmap(acc.dataMap, 0, new Object[] {acc.keys[frag], acc.values[frag]}, 1,
                        entryHash(acc.keys[frag], acc.values[frag]));
            }
            return acc.build();
        }

        private static void mergeSlot(Acc acc, Bitmap a, Bitmap b, int bit, int frag, int shift,
                Merger<Object, Object> m, Acc[] pool) {
            boolean aData = (a.dataMap & bit) != 0;
            boolean aNode = (a.nodeMap & bit) != 0;
            boolean bData = (b.dataMap & bit) != 0;
            boolean bNode = (b.nodeMap & bit) != 0;
            if (aData && bData) {
                int i = 2 * a.dataIndex(bit);
                int j = 2 * b.dataIndex(bit);
                Object ka = a.content[i];
                Object va = a.content[i + 1];
                Object kb = b.content[j];
                Object vb = b.content[j + 1];
                if (va != vb && m.sameEntry(va, vb)) {
                    acc.sameAsB = false;
                    acc.data(bit, frag, ka, va);
                    return;
                }
                if (ka == kb || ka.equals(kb)) {
                    Object v = m.merge(ka, va, vb);
                    if (v == null) {
                        acc.sameAsA = false;
                        acc.sameAsB = false;
                        return;
                    }
                    if (v != va) {
                        acc.sameAsA = false;
                    }
                    if (v != vb) {
                        acc.sameAsB = false;
                    }
                    if (ka != kb) {
                        acc.sameAsB = false;
                    }
                    acc.data(bit, frag, ka, v);
                    return;
                }
                acc.sameAsA = false;
                acc.sameAsB = false;
                Object v1 = m.merge(ka, va, null);
                Object v2 = m.merge(kb, null, vb);
                if (v1 != null && v2 != null) {
                    acc.node(bit, frag, pair(ka, v1, spread(ka), kb, v2, spread(kb), shift + BITS));
                } else if (v1 != null) {
                    acc.data(bit, frag, ka, v1);
                } else if (v2 != null) {
                    acc.data(bit, frag, kb, v2);
                }
                return;
            }
            if (aNode && bNode) {
                Node ca = (Node) a.content[a.nodeIndex(bit)];
                Node cb = (Node) b.content[b.nodeIndex(bit)];
                addNode(acc, bit, frag, merge(ca, cb, shift + BITS, m, pool), ca, cb, shift);
                return;
            }
            if (aData && bNode) {
                int i = 2 * a.dataIndex(bit);
                Object ka = a.content[i];
                Node cb = (Node) b.content[b.nodeIndex(bit)];
                Node sa = single(ka, a.content[i + 1], spread(ka), shift + BITS);
                acc.sameAsA = false;
                addNode(acc, bit, frag, merge(sa, cb, shift + BITS, m, pool), null, cb, shift);
                return;
            }
            if (aNode && bData) {
                int j = 2 * b.dataIndex(bit);
                Object kb = b.content[j];
                Node ca = (Node) a.content[a.nodeIndex(bit)];
                Node sb = single(kb, b.content[j + 1], spread(kb), shift + BITS);
                acc.sameAsB = false;
                addNode(acc, bit, frag, merge(ca, sb, shift + BITS, m, pool), ca, null, shift);
                return;
            }
            if (aData) {
                acc.sameAsB = false;
                int i = 2 * a.dataIndex(bit);
                Object k = a.content[i];
                Object v = a.content[i + 1];
                addEntry(acc, bit, frag, k, m.merge(k, v, null), v, shift);
                return;
            }
            if (bData) {
                acc.sameAsA = false;
                int j = 2 * b.dataIndex(bit);
                Object k = b.content[j];
                Object v = b.content[j + 1];
                Object r = m.merge(k, null, v);
                if (r == null) {
                    acc.sameAsB = false;
                } else {
                    if (r != v) {
                        acc.sameAsB = false;
                    }
                    acc.data(bit, frag, k, r);
                }
                return;
            }
            if (aNode) {
                acc.sameAsB = false;
                Node ca = (Node) a.content[a.nodeIndex(bit)];
                addNode(acc, bit, frag, mapOneSide(ca, true, m, shift + BITS, pool), ca, null, shift);
                return;
            }
            acc.sameAsA = false;
            Node cb = (Node) b.content[b.nodeIndex(bit)];
            addNode(acc, bit, frag, mapOneSide(cb, false, m, shift + BITS, pool), null, cb, shift);
        }

        private static void addEntry(Acc acc, int bit, int frag, Object k, Object r, Object original, int shift) {
            if (r == null) {
                acc.sameAsA = false;
                return;
            }
            if (r != original) {
                acc.sameAsA = false;
            }
            acc.data(bit, frag, k, r);
        }

        /** Adds a merged child, inlining it when it shrank to one entry. */
        private static void addNode(Acc acc, int bit, int frag, Node merged, Node fromA, Node fromB, int shift) {
            if (merged == null) {
                acc.sameAsA = false;
                acc.sameAsB = false;
                return;
            }
            if (merged != fromA) {
                acc.sameAsA = false;
            }
            if (merged != fromB) {
                acc.sameAsB = false;
            }
            if (merged.isSingleton()) {
                acc.sameAsA = false;
                acc.sameAsB = false;
                acc.data(bit, frag, merged.singleKey(), merged.singleValue());
            } else {
                acc.node(bit, frag, merged);
            }
        }

        static Node mapOneSide(Bitmap n, boolean left, Merger<Object, Object> m, int shift, Acc[] pool) {
            Acc acc = Acc.at(pool, shift);
            int all = n.dataMap | n.nodeMap;
            while (all != 0) {
                int bit = Integer.lowestOneBit(all);
                all ^= bit;
                int frag = Integer.numberOfTrailingZeros(bit);
                if ((n.dataMap & bit) != 0) {
                    int i = 2 * n.dataIndex(bit);
                    Object k = n.content[i];
                    Object v = n.content[i + 1];
                    addEntry(acc, bit, frag, k, left ? m.merge(k, v, null) : m.merge(k, null, v), v, shift);
                } else {
                    Node child = (Node) n.content[n.nodeIndex(bit)];
                    addNode(acc, bit, frag, Node.mapOneSide(child, left, m, shift + BITS, pool), child, null, shift);
                }
            }
            return finish(acc, n, null, shift);
        }
    }

    /** Keys whose 32-bit hashes are all equal; unordered pairs, compared as a set. */
    private static final class Collision extends Node {
        final int hash;
        final Object[] kv;
        final long contentHash;

        Collision(int hash, Object[] kv) {
            this.hash = hash;
            this.kv = kv;
            long h = 0;
            for (int i = 0; i < kv.length; i += 2) {
                h += entryHash(kv[i], kv[i + 1]);
            }
            this.contentHash = h;
        }

        @Override
        int size() {
            return kv.length / 2;
        }

        @Override
        long hash() {
            return contentHash;
        }

        private int indexOf(Object key) {
            for (int i = 0; i < kv.length; i += 2) {
                if (kv[i] == key || kv[i].equals(key)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        Object find(Object key, int h, int shift) {
            int i = indexOf(key);
            return i < 0 ? null : kv[i + 1];
        }

        @Override
        Node put(Object key, Object value, int h, int shift) {
            int i = indexOf(key);
            if (i >= 0) {
                if (kv[i + 1] == value) {
                    return this;
                }
                Object[] c = kv.clone();
                c[i + 1] = value;
                return new Collision(hash, c);
            }
            Object[] c = Arrays.copyOf(kv, kv.length + 2);
            c[kv.length] = key;
            c[kv.length + 1] = value;
            return new Collision(hash, c);
        }

        @Override
        Node remove(Object key, int h, int shift) {
            int i = indexOf(key);
            if (i < 0) {
                return this;
            }
            if (kv.length == 2) {
                return null;
            }
            Object[] c = new Object[kv.length - 2];
            System.arraycopy(kv, 0, c, 0, i);
            System.arraycopy(kv, i + 2, c, i, kv.length - i - 2);
            return new Collision(hash, c);
        }

        @Override
        void forEach(BiConsumer<Object, Object> action) {
            for (int i = 0; i < kv.length; i += 2) {
                action.accept(kv[i], kv[i + 1]);
            }
        }

        @Override
        boolean allMatch(BiPredicate<Object, Object> test) {
            for (int i = 0; i < kv.length; i += 2) {
                if (!test.test(kv[i], kv[i + 1])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        boolean isSingleton() {
            return kv.length == 2;
        }

        @Override
        Object singleKey() {
            return kv[0];
        }

        @Override
        Object singleValue() {
            return kv[1];
        }

        @Override
        int singleHash() {
            return hash;
        }

        static Node merge(Collision a, Collision b, Merger<Object, Object> m) {
            Object[] out = new Object[a.kv.length + b.kv.length];
            int n = 0;
            boolean sameAsA = true;
            for (int i = 0; i < a.kv.length; i += 2) {
                Object k = a.kv[i];
                int j = a == b ? i : b.indexOf(k);
                Object r = m.merge(k, a.kv[i + 1], j < 0 ? null : b.kv[j + 1]);
                if (r != a.kv[i + 1]) {
                    sameAsA = false;
                }
                if (r != null) {
                    out[n++] = k;
                    out[n++] = r;
                }
            }
            if (a != b) {
                for (int j = 0; j < b.kv.length; j += 2) {
                    if (a.indexOf(b.kv[j]) < 0) {
                        Object r = m.merge(b.kv[j], null, b.kv[j + 1]);
                        if (r != null) {
                            sameAsA = false;
                            out[n++] = b.kv[j];
                            out[n++] = r;
                        }
                    }
                }
            }
            if (sameAsA) {
                return a;
            }
            return n == 0 ? null : new Collision(a.hash, Arrays.copyOf(out, n));
        }

        static Node mapOneSide(Collision c, boolean left, Merger<Object, Object> m) {
            Object[] out = new Object[c.kv.length];
            int n = 0;
            boolean same = true;
            for (int i = 0; i < c.kv.length; i += 2) {
                Object v = c.kv[i + 1];
                Object r = left ? m.merge(c.kv[i], v, null) : m.merge(c.kv[i], null, v);
                if (r != v) {
                    same = false;
                }
                if (r != null) {
                    out[n++] = c.kv[i];
                    out[n++] = r;
                }
            }
            if (same) {
                return c;
            }
            return n == 0 ? null : new Collision(c.hash, Arrays.copyOf(out, n));
        }
    }
}
