package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.internal.HashTrie;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A map whose every key holds a causal CRDT of its own type, as Riak maps do: a set under
 * {@code "tags"}, a flag under {@code "done"}, a counter under {@code "views"}, another map under
 * {@code "address"} (crdt.md §3: a type tag per key). The empty value passed to
 * {@link #update} and {@link #get(Object, CausalCrdt)} names the type, so reads need no cast:
 * <pre>{@code
 * MixedORMap<String> empty = MixedORMap.empty();
 * MixedORMap<String> withTags = empty.join(empty.update("tags", ORSet.<String>empty(), s -> s.add(a, "crdt")));
 * MixedORMap<String> doc = withTags.join(withTags.update("done", EWFlag.empty(), f -> f.enable(a)));
 * ORSet<String> tags = doc.get("tags", ORSet.<String>empty()).orElseThrow();  // typed: no cast
 * }</pre>
 *
 * <p><b>Types:</b> a key's type tag is its value's class ({@code "ORSet"}, {@code "EWFlag"}...;
 * for an {@link ORMap}, its value type too, such as {@code "ORMap<ORSet>"}). Element types are
 * not tracked at run time (as with any Java generic): an {@code ORSet<String>} and an
 * {@code ORSet<Long>} share the tag {@code "ORSet"}. Updating or reading a key with another type
 * than the one it holds throws {@link CrdtTypeMismatchException} and returns nothing; to change
 * a key's type, {@link #remove} it first.
 *
 * <p><b>Concurrent operations:</b> as {@link ORMap} (same-type updates merge by the nested type's
 * rules; remove is a reset of the observed updates; different keys never interfere), plus:
 * <ul>
 *   <li><b>two types under one key</b> (replicas that did not see each other gave the key
 *       different types): the type whose tag sorts last (by {@link String#compareTo}, so
 *       {@code ORSet} beats {@code EWFlag}) is the key's type on every replica; {@link #get},
 *       {@link #update} and {@link #value()} see only it. The losers are <em>hidden</em>, not
 *       dropped: dropping them in a join would not be associative (a later remove of the winner
 *       must let a loser that it never saw reappear, as any update concurrent with a remove
 *       does). The next {@link #update} of the key covers the hidden values it observed, and
 *       {@link #remove} covers them with the rest, so they disappear everywhere.
 * </ul>
 * All values share the map's single causal context; a nested value never owns one.
 *
 * <p><b>Cost:</b> as {@link ORMap}: update, remove and get are O(log n) plus the nested
 * operation; a delta carries only the changed key's nested delta. A key holding several types
 * costs one small array until its next update.
 *
 * <p>Immutable and safe to share between threads. No method accepts or returns null.
 *
 * @param <K> key type
 */
public final class MixedORMap<K> extends DotMapBase<K, MixedORMap<K>> implements CausalCrdt<MixedORMap<K>> {
    private static final MixedORMap<?> EMPTY = new MixedORMap<>(HashTrie.empty(), CausalContext.empty(),
            HashTrie.empty());

    private MixedORMap(HashTrie<K, Object> store, CausalContext context, HashTrie<K, Boolean> removedHints) {
        super(store, context, removedHints);
    }

    /** The empty map (bottom). */
    @SuppressWarnings("unchecked")
    public static <K> MixedORMap<K> empty() {
        return (MixedORMap<K>) EMPTY;
    }

    @Override
    MixedORMap<K> make(HashTrie<K, Object> store, CausalContext context, HashTrie<K, Boolean> removedHints) {
        return new MixedORMap<>(store, context, removedHints);
    }

    // ----------------------------------------------------------------------------- type tags

    /**
     * The type tag that {@code value} has under a key (see {@link #typeOf}): its class's simple
     * name ({@code "ORSet"}), and for an {@link ORMap} its values' tag too
     * ({@code "ORMap<EWFlag>"}). Every causal type lives in this package, so the names are unique.
     */
    public static String typeTag(CausalCrdt<?> value) {
        Objects.requireNonNull(value, "value");
        if (value instanceof ORMap<?, ?> m) {
            return "ORMap<" + typeTag(m.prototype()) + ">";
        }
        return value.getClass().getSimpleName();
    }

    /** Whether both have the same type tag, without building the tags. */
    private static boolean sameType(CausalCrdt<?> a, CausalCrdt<?> b) {
        if (a.getClass() != b.getClass()) {
            return false;
        }
        return !(a instanceof ORMap<?, ?> m) || sameType(m.prototype(), ((ORMap<?, ?>) b).prototype());
    }

    /**
     * The values of one key holding two or more types, sorted by type tag (at least two, each
     * non-empty, tags distinct); the last one is the key's type. Package-private for the codecs.
     */
    static final class TypeConflict {
        final CausalCrdt<?>[] values;

        TypeConflict(CausalCrdt<?>[] values) {
            this.values = values;
        }

        CausalCrdt<?> winner() {
            return values[values.length - 1];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TypeConflict t && Arrays.equals(values, t.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "TypeConflict" + Arrays.toString(values);
        }
    }

    /** The nested values of an entry, sorted by type tag. */
    static CausalCrdt<?>[] values(Object entry) {
        return entry instanceof TypeConflict t ? t.values : new CausalCrdt<?>[] {(CausalCrdt<?>) entry};
    }

    /** The value a key shows: the only one, or the winner of a type conflict. */
    static CausalCrdt<?> winner(Object entry) {
        return entry instanceof TypeConflict t ? t.winner() : (CausalCrdt<?>) entry;
    }

    /**
     * The entry holding {@code values} (non-empty stores with distinct tags, in any order): the
     * value itself when there is one, else a {@link TypeConflict}; null when there is none.
     */
    static Object entryOf(List<CausalCrdt<?>> values) {
        if (values.isEmpty()) {
            return null;
        }
        if (values.size() == 1) {
            return values.get(0);
        }
        CausalCrdt<?>[] a = values.toArray(new CausalCrdt<?>[0]);
        String[] tags = new String[a.length];
        Integer[] order = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            tags[i] = typeTag(a[i]);
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> tags[x].compareTo(tags[y]));
        CausalCrdt<?>[] sorted = new CausalCrdt<?>[a.length];
        for (int i = 0; i < a.length; i++) {
            sorted[i] = a[order[i]];
            if (i > 0 && tags[order[i]].equals(tags[order[i - 1]])) {
                throw new IllegalArgumentException("two values of type " + tags[order[i]] + " under one key");
            }
        }
        return new TypeConflict(sorted);
    }

    // ----------------------------------------------------------------------------- lattice

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    Object joinEntry(Object a, CausalContext ca, boolean aKeyed, Object b, CausalContext cb, boolean bKeyed) {
        if (a != null && b != null && !(a instanceof TypeConflict) && !(b instanceof TypeConflict)
                && sameType((CausalCrdt<?>) a, (CausalCrdt<?>) b)) {
            CausalCrdt x = (CausalCrdt) a;
            CausalCrdt r = ORMap.joinNested(x, ca, aKeyed, (CausalCrdt) b, cb, bKeyed);
            return r == x ? a : r;
        }
        // Per type tag, the join of that type's stores; a type one side lacks joins with its
        // bottom. Inside a present entry a missing type proves nothing about the context (an
        // update covers the hidden types), so only a wholly absent entry keeps its keyedness.
        CausalCrdt<?>[] xs = a == null ? new CausalCrdt<?>[0] : values(a);
        CausalCrdt<?>[] ys = b == null ? new CausalCrdt<?>[0] : values(b);
        List<CausalCrdt<?>> out = new ArrayList<>(xs.length + ys.length);
        boolean unchanged = true;
        int i = 0;
        int j = 0;
        while (i < xs.length || j < ys.length) {
            int c = i == xs.length ? 1 : j == ys.length ? -1 : typeTag(xs[i]).compareTo(typeTag(ys[j]));
            CausalCrdt x = c <= 0 ? xs[i++] : null;
            CausalCrdt y = c >= 0 ? ys[j++] : null;
            CausalCrdt r;
            if (x == null) {
                r = ORMap.joinNested((CausalCrdt) y.bottom(), ca, a == null && aKeyed, y, cb, bKeyed);
                unchanged = false;
            } else {
                r = ORMap.joinNested(x, ca, aKeyed, y == null ? (CausalCrdt) x.bottom() : y, cb, b == null && bKeyed);
                unchanged &= r == x;
            }
            if (r != null) {
                out.add(r);
            }
        }
        if (unchanged && out.size() == xs.length) {
            return a;
        }
        return entryOf(out);
    }

    @Override
    void addEntryDots(Object entry, CausalContext.Builder b) {
        for (CausalCrdt<?> v : values(entry)) {
            b.addAll(v.storeDots());
        }
    }

    /**
     * Compares each of {@code theirs}' values only with the value of the same type here: values
     * of different types under one key never share a dot honestly, so a dot of theirs held here
     * under another type is found as held elsewhere, and values of different types are never
     * handed to each other's conflict check (which would read one type as another).
     */
    @Override
    Conflict entryConflict(K key, Object mine, Object theirs,
            java.util.Map<io.converge.crdt.causal.Dot, K> unplaced) {
        CausalCrdt<?>[] ours = mine == null ? new CausalCrdt<?>[0] : values(mine);
        for (CausalCrdt<?> t : values(theirs)) {
            CausalCrdt<?> same = null;
            for (CausalCrdt<?> o : ours) {
                if (sameType(o, t)) {
                    same = o;
                    break;
                }
            }
            Conflict c = super.entryConflict(key, same, t, unplaced);
            if (c != null) {
                return c;
            }
        }
        return null;
    }

    @Override
    void checkEntry(K key, Object entry, CausalContext context) {
        if (entry instanceof TypeConflict t) {
            if (t.values.length < 2) {
                throw new IllegalStateException("key " + key + " holds a type conflict of one value");
            }
            for (int i = 1; i < t.values.length; i++) {
                if (typeTag(t.values[i - 1]).compareTo(typeTag(t.values[i])) >= 0) {
                    throw new IllegalStateException("key " + key + " holds types out of order: " + t);
                }
            }
        } else if (!(entry instanceof CausalCrdt<?>)) {
            throw new IllegalStateException("key " + key + " holds no CRDT: " + entry);
        }
        for (CausalCrdt<?> v : values(entry)) {
            ORMap.checkNested(key, v, context);
        }
    }

    // ----------------------------------------------------------------------------- mutators

    /**
     * The delta of updating {@code key}'s value, of the type of {@code empty}, with
     * {@code mutation}, which receives the current value (empty if absent, seen under the map's
     * context) and returns the nested delta made by one of its mutators, for example
     * {@code map.update("tags", ORSet.<String>empty(), s -> s.add(replica, "x"))}. The delta also
     * covers the values of other types hidden under the key (see the class comment).
     *
     * @throws CrdtTypeMismatchException if {@code key} holds another type; nothing is built
     * @throws IllegalArgumentException if {@code empty} is not a bottom value
     * @throws NullPointerException if an argument is null or the mutation returns null
     */
    public <V extends CausalCrdt<V>> MixedORMap<K> update(K key, V empty, UnaryOperator<V> mutation) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(empty, "empty");
        Objects.requireNonNull(mutation, "mutation");
        if (!empty.isBottom()) {
            throw new IllegalArgumentException("the value that names the type must be empty, got " + empty);
        }
        Object entry = store.get(key);
        V view = (entry == null ? empty : typed(key, entry, empty)).withContext(context);
        CausalContext cover = CausalContext.empty();
        if (entry instanceof TypeConflict t) {
            CausalContext.Builder b = CausalContext.builder();
            for (int i = 0; i < t.values.length - 1; i++) {
                b.addAll(t.values[i].storeDots());
            }
            cover = b.build();
        }
        V delta = Objects.requireNonNull(mutation.apply(view), "the mutation returned null");
        return ORMap.nestedDelta(this, key, delta, cover);
    }

    @SuppressWarnings("unchecked")
    private static <V extends CausalCrdt<V>> V typed(Object key, Object entry, V empty) {
        CausalCrdt<?> w = winner(entry);
        if (!sameType(w, empty)) {
            throw new CrdtTypeMismatchException("key " + key + " holds a " + typeTag(w) + ", not a "
                    + typeTag(empty));
        }
        return (V) w;
    }

    /** The delta of removing {@code key} (every type it holds): a reset of the updates observed here. */
    public MixedORMap<K> remove(K key) {
        return removeKeyDelta(key);
    }

    /** The delta of removing every key observed here. */
    public MixedORMap<K> clear() {
        return clearDelta();
    }

    // ----------------------------------------------------------------------------- queries

    /**
     * The value of {@code key}, of the type of {@code empty} (seen under the map's context);
     * empty if absent.
     *
     * @throws CrdtTypeMismatchException if {@code key} holds another type
     */
    public <V extends CausalCrdt<V>> Optional<V> get(K key, V empty) {
        Objects.requireNonNull(empty, "empty");
        Object entry = store.get(Objects.requireNonNull(key, "key"));
        return entry == null ? Optional.empty() : Optional.of(typed(key, entry, empty).withContext(context));
    }

    /**
     * The value of {@code key} whatever its type (seen under the map's context), empty if absent;
     * test it with {@code instanceof}, or read it typed with {@link #get(Object, CausalCrdt)}.
     */
    public Optional<CausalCrdt<?>> get(K key) {
        Object entry = store.get(Objects.requireNonNull(key, "key"));
        return entry == null ? Optional.empty() : Optional.of(view(entry));
    }

    /** The type tag of {@code key}'s value ({@code "ORSet"}, {@code "ORMap<EWFlag>"}...), empty if absent. */
    public Optional<String> typeOf(K key) {
        Object entry = store.get(Objects.requireNonNull(key, "key"));
        return entry == null ? Optional.empty() : Optional.of(typeTag(winner(entry)));
    }

    private CausalCrdt<?> view(Object entry) {
        return (CausalCrdt<?>) winner(entry).withContext(context);
    }

    /** Whether {@code key} is present. */
    public boolean containsKey(K key) {
        return store.containsKey(Objects.requireNonNull(key, "key"));
    }

    /** Number of keys. O(1). */
    public int size() {
        return store.size();
    }

    /** Whether the map has no key. */
    public boolean isEmpty() {
        return store.isEmpty();
    }

    /** The key → value pairs (each key's type's value), as an unmodifiable live view of this immutable value. */
    public Map<K, CausalCrdt<?>> value() {
        return new AbstractMap<>() {
            @Override
            public java.util.Set<Entry<K, CausalCrdt<?>>> entrySet() {
                return new AbstractSet<>() {
                    @Override
                    public Iterator<Entry<K, CausalCrdt<?>>> iterator() {
                        Iterator<Entry<K, Object>> it = store.iterator();
                        return new Iterator<>() {
                            @Override
                            public boolean hasNext() {
                                return it.hasNext();
                            }

                            @Override
                            public Entry<K, CausalCrdt<?>> next() {
                                Entry<K, Object> e = it.next();
                                return Map.entry(e.getKey(), view(e.getValue()));
                            }
                        };
                    }

                    @Override
                    public int size() {
                        return store.size();
                    }
                };
            }
        };
    }

    @Override
    public MixedORMap<K> bottom() {
        return empty();
    }
}
