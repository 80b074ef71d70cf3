package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.internal.HashTrie;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A map whose values are themselves causal CRDTs ({@link ORSet}, {@link CausalCounter},
 * {@link EWFlag}, {@link DWFlag}, {@link MVRegister}, {@link AWLWWMap}, or another {@code ORMap}):
 * a map of sets, of counters, of maps (the paper's Fig. 17; crdt.md §3).
 *
 * <p><b>Concurrent operations:</b>
 * <ul>
 *   <li>updates to the same key merge with the nested type's own rules (two concurrent counter
 *       increments both count; two concurrent set adds both stay);
 *   <li><b>remove is a reset</b>: it undoes the updates of the key's value that it observed.
 *       An update concurrent with the remove survives, so the key reappears holding only that
 *       update's effect: a map of sets where A removes {@code cart} while B adds {@code milk}
 *       ends with {@code cart = {milk}}. For a {@link CausalCounter} the survivor is that
 *       replica's whole running contribution (see its Javadoc);
 *   <li>different keys never interfere.
 * </ul>
 * All values share the map's single causal context; a nested value never owns one, or a
 * re-created key would be shadowed by its old version. The value type is fixed by the prototype
 * given to {@link #empty(CausalCrdt)}; meeting a value of another class for a key raises
 * {@link CrdtTypeMismatchException} (Pekko's ORMap instead documents that a key's type must
 * never change). For a different type under each key, use {@link MixedORMap}.
 *
 * <p><b>Cost:</b> as {@link AWLWWMap}: apply, remove and get are O(log n) plus the nested
 * operation; a delta carries only the changed key's nested delta (never its full value), and
 * joining it costs O(nested delta) whatever the map's size.
 *
 * <p>Immutable and safe to share between threads.
 *
 * @param <K> key type
 * @param <V> the nested causal CRDT type
 */
public final class ORMap<K, V extends CausalCrdt<V>> extends DotMapBase<K, ORMap<K, V>>
        implements CausalCrdt<ORMap<K, V>> {
    private final V prototype;

    private ORMap(V prototype, HashTrie<K, Object> store, CausalContext context, HashTrie<K, Boolean> removedHints) {
        super(store, context, removedHints);
        this.prototype = prototype;
    }

    /**
     * The empty map (bottom) whose values start as {@code emptyValue}, for example
     * {@code ORMap.empty(ORSet.<String>empty())}.
     *
     * @throws IllegalArgumentException if {@code emptyValue} is not a bottom value
     */
    public static <K, V extends CausalCrdt<V>> ORMap<K, V> empty(V emptyValue) {
        Objects.requireNonNull(emptyValue, "emptyValue");
        if (!emptyValue.isBottom()) {
            throw new IllegalArgumentException("the prototype value must be empty, got " + emptyValue);
        }
        return new ORMap<>(emptyValue, HashTrie.empty(), CausalContext.empty(), HashTrie.empty());
    }

    @Override
    ORMap<K, V> make(HashTrie<K, Object> store, CausalContext context, HashTrie<K, Boolean> removedHints) {
        return new ORMap<>(prototype, store, context, removedHints);
    }

    @SuppressWarnings("unchecked")
    private V cast(Object entry) {
        if (entry.getClass() != prototype.getClass()) {
            throw new CrdtTypeMismatchException("ORMap of " + prototype.getClass().getSimpleName()
                    + " met a value of type " + entry.getClass().getSimpleName());
        }
        return (V) entry;
    }

    @Override
    Object joinEntry(Object a, CausalContext ca, boolean aKeyed, Object b, CausalContext cb, boolean bKeyed) {
        V x = a == null ? prototype : cast(a);
        V y = b == null ? prototype : cast(b);
        V r = joinNested(x, ca, aKeyed, y, cb, bKeyed);
        if (r == null) {
            return null;
        }
        return r == x ? a : r;
    }

    /**
     * The causal join of two nested stores of one type (crdt.md §2), {@code x} seen under
     * {@code ca} and {@code y} under {@code cb}, as {@link DotMapBase#joinEntry} describes;
     * null if the result is empty, {@code x} itself if unchanged. Shared with {@link MixedORMap}.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static <V extends CausalCrdt<V>> V joinNested(V x, CausalContext ca, boolean aKeyed, V y, CausalContext cb,
            boolean bKeyed) {
        V r;
        if (x instanceof DotMapBase nested) {
            // Nested maps get to skip unnamed keys only where the enclosing map vouches for it.
            r = (V) nested.joinStore((DotMapBase) y, ca, aKeyed, cb, bKeyed);
        } else {
            r = x.joinStore(y, ca, cb);
        }
        return r.isStoreEmpty() ? null : r;
    }

    @Override
    void addEntryDots(Object entry, CausalContext.Builder b) {
        b.addAll(cast(entry).storeDots());
    }

    @Override
    void checkEntry(K key, Object entry, CausalContext context) {
        checkNested(key, cast(entry), context);
    }

    /** Checks a nested store: not empty, no context of its own, valid under the map's context. */
    static void checkNested(Object key, CausalCrdt<?> v, CausalContext context) {
        if (v.isStoreEmpty()) {
            throw new IllegalStateException("key " + key + " holds an empty value");
        }
        if (!v.context().isEmpty()) {
            throw new IllegalStateException("nested value of " + key + " owns a context");
        }
        v.withContext(context).checkInvariants();
    }

    // ----------------------------------------------------------------------------- mutators

    /**
     * The delta of updating {@code key}'s value with {@code mutation}, which receives the current
     * value (empty if absent, seen under the map's context) and returns the nested delta made by
     * one of its mutators, for example {@code map.apply("cart", cart -> cart.add(replica, "milk"))}.
     *
     * @throws NullPointerException if the mutation returns null
     */
    public ORMap<K, V> apply(K key, UnaryOperator<V> mutation) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(mutation, "mutation");
        Object current = store.get(key);
        V view = (current == null ? prototype : cast(current)).withContext(context);
        V delta = Objects.requireNonNull(mutation.apply(view), "the mutation returned null");
        return nestedDelta(this, key, delta, CausalContext.empty());
    }

    /**
     * The map delta wrapping {@code delta}, a nested delta for {@code key} made from a view under
     * {@code map}'s context, whose context also covers {@code cover} (dots of the key that the
     * update replaces; empty for an {@code ORMap}). Bottom if {@code delta} is. Shared with
     * {@link MixedORMap}.
     */
    static <K, S extends DotMapBase<K, S>, V extends CausalCrdt<V>> S nestedDelta(DotMapBase<K, S> map, K key, V delta,
            CausalContext cover) {
        if (delta.isBottom()) {
            return map.make(HashTrie.empty(), CausalContext.empty(), HashTrie.empty());
        }
        CausalContext ctx = delta.context().union(cover);
        if (delta.context() == map.context || (delta instanceof DotMapBase<?, ?> d && d.removedHints == null)) {
            // Not a mutator's delta (the view itself, or a full state): it may cover dots of
            // other keys, so the map delta must not claim to touch only this key.
            V storePart = delta.withContext(CausalContext.empty());
            HashTrie<K, Object> s = storePart.isStoreEmpty() ? HashTrie.empty()
                    : HashTrie.<K, Object>empty().put(key, storePart);
            return map.make(s, ctx, null);
        }
        V storePart = stripContext(delta);
        if (storePart.isStoreEmpty()) {
            return map.make(HashTrie.empty(), ctx, HashTrie.<K, Boolean>empty().put(key, Boolean.TRUE));
        }
        return map.singleKeyDelta(key, storePart, ctx);
    }

    /** The nested delta without its context, keeping a nested map's keyed hints (see joinEntry). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <V extends CausalCrdt<V>> V stripContext(V delta) {
        if (delta instanceof DotMapBase nested) {
            return (V) nested.withContextKeepingHints(CausalContext.empty());
        }
        return delta.withContext(CausalContext.empty());
    }

    /** The delta of removing {@code key}: a reset of the updates observed here; bottom if absent. */
    public ORMap<K, V> remove(K key) {
        return removeKeyDelta(key);
    }

    /** The delta of removing every key observed here. */
    public ORMap<K, V> clear() {
        return clearDelta();
    }

    // ----------------------------------------------------------------------------- queries

    /** The value of {@code key} (seen under the map's context), empty if absent. */
    public Optional<V> get(K key) {
        Object v = store.get(Objects.requireNonNull(key, "key"));
        return v == null ? Optional.empty() : Optional.of(cast(v).withContext(context));
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

    /** The key → value pairs, as an unmodifiable live view of this immutable value. */
    public Map<K, V> value() {
        return new AbstractMap<>() {
            @Override
            public Set<Entry<K, V>> entrySet() {
                return new AbstractSet<>() {
                    @Override
                    public Iterator<Entry<K, V>> iterator() {
                        Iterator<Entry<K, Object>> it = store.iterator();
                        return new Iterator<>() {
                            @Override
                            public boolean hasNext() {
                                return it.hasNext();
                            }

                            @Override
                            public Entry<K, V> next() {
                                Entry<K, Object> e = it.next();
                                return Map.entry(e.getKey(), cast(e.getValue()).withContext(context));
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

    /** The empty nested value this map starts keys with. */
    V prototype() {
        return prototype;
    }

    @Override
    public ORMap<K, V> bottom() {
        return empty(prototype);
    }
}
