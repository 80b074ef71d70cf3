package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.internal.DotEntries;
import io.converge.crdt.internal.HashTrie;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An add-wins observed-remove set (the paper's AWORSet), free of tombstones.
 *
 * <p><b>Concurrent operations:</b> an add and a concurrent remove of the same element keep the
 * element (the remove only removes the adds it has observed). A remove of an element the replica
 * has not seen does nothing. Re-adding a removed element works any number of times.
 *
 * <h2>Design</h2>
 * <b>State</b> (crdt.md §2–3): a dot map from each element to the dots of the adds that put it
 * there (almost always one), and a causal context of every dot seen. An element is present iff it
 * holds a dot. <b>Remove</b> produces the delta (nothing, the element's dots): joining it drops
 * those dots wherever they are and leaves no per-element trace, so metadata is O(live elements +
 * replicas), never O(removes).
 *
 * <p><b>Storage:</b> elements live in a persistent hash trie ({@code internal.HashTrie}) with the
 * dot stored inline as the value, so a mutation copies one path (O(log₃₂ n)) and shares the rest
 * with the previous state. Values therefore stay immutable without copying a large state to apply
 * a small delta: structural sharing was chosen over a mutable builder because every value a user
 * or listener holds stays valid and thread-safe at no cost.
 *
 * <p><b>Joining deltas in O(delta):</b> in general a join must look at every element, because a
 * context may cover dots of elements the other side's store no longer holds. Values made by the
 * mutators (and joins of such values) are <em>keyed</em>: they remember the elements their context
 * can touch (the added ones, and the removed ones as hints). Joining a keyed value visits only
 * those elements, so applying a one-element delta to a set of a million elements costs a few trie
 * lookups, not a scan. Full states (joins involving a non-keyed value) use a structural merge of
 * the two tries that reuses every unchanged subtree. Keyedness is an optimisation only: it never
 * changes the result of a join, and {@link #equals} ignores it.
 *
 * <p><b>Cost:</b> {@code add}, {@code remove}, {@code contains}: O(log n). Join with a keyed delta
 * of k elements: O(k log n + r). Full join: O(n + m), reusing unchanged subtrees. Memory: one
 * trie slot pair plus one {@link Dot} per element.
 *
 * <p>Immutable and safe to share between threads. Elements must be immutable with consistent
 * {@code equals}/{@code hashCode}; null elements are rejected.
 *
 * @param <E> element type
 */
public final class ORSet<E> extends FlatDotMap<E, ORSet<E>> implements CausalCrdt<ORSet<E>> {
    private static final ORSet<?> EMPTY = new ORSet<>(HashTrie.empty(), CausalContext.empty(), HashTrie.empty());

    /** The store maps each element to its dots (a {@link Dot}, or several as {@code DotEntries.Many}). */
    private ORSet(HashTrie<E, Object> store, CausalContext context, HashTrie<E, Boolean> removedHints) {
        super(store, context, removedHints);
    }

    /** The empty set (bottom). */
    @SuppressWarnings("unchecked")
    public static <E> ORSet<E> empty() {
        return (ORSet<E>) EMPTY;
    }

    @Override
    ORSet<E> make(HashTrie<E, Object> store, CausalContext context, HashTrie<E, Boolean> removedHints) {
        return store.isEmpty() && context.isEmpty() && removedHints != null && removedHints.isEmpty()
                ? empty() : new ORSet<>(store, context, removedHints);
    }

    // ----------------------------------------------------------------------------- mutators

    /**
     * The delta of adding {@code element} on {@code replica}: the element with a fresh dot, and a
     * context covering that dot and the element's current dots (which the add supersedes).
     */
    public ORSet<E> add(ReplicaId replica, E element) {
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(element, "element");
        Dot d = Bounds.nextDot(context, replica);
        Object current = store.get(element);
        CausalContext ctx;
        if (current == null) {
            ctx = CausalContext.ofDot(d);
        } else {
            CausalContext.Builder b = CausalContext.builder().add(d);
            DotEntries.addDots(current, b);
            ctx = b.build();
        }
        return singleKeyDelta(element, d, ctx);
    }

    /** The delta of adding every element of {@code elements} on {@code replica}, as one delta. */
    public ORSet<E> addAll(ReplicaId replica, Collection<? extends E> elements) {
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(elements, "elements");
        long next = context.max(replica);
        HashTrie<E, Object> s = HashTrie.empty();
        CausalContext.Builder b = CausalContext.builder();
        for (E e : elements) {
            Objects.requireNonNull(e, "element");
            if (s.containsKey(e)) {
                continue;
            }
            if (next >= io.converge.crdt.causal.VersionVector.MAX_COUNTER) {
                throw new CounterOverflowException("the dot counter of " + replica
                        + " would pass the bound of 2^62: this replica can no longer write this key");
            }
            next++;
            s = s.put(e, new Dot(replica, next));
            b.add(replica, next);
            DotEntries.addDots(store.get(e), b);
        }
        return s.isEmpty() ? empty() : new ORSet<>(s, b.build(), HashTrie.empty());
    }

    /**
     * The delta of removing {@code element}: no entry, and a context covering the element's
     * observed dots. Empty (bottom) when the element is absent here.
     */
    public ORSet<E> remove(E element) {
        Objects.requireNonNull(element, "element");
        return removeKeyDelta(element);
    }

    /** The delta of removing every element this replica observes. */
    public ORSet<E> clear() {
        return clearDelta();
    }

    // ----------------------------------------------------------------------------- queries

    /** Whether {@code element} is in the set. O(log n). */
    public boolean contains(E element) {
        return store.containsKey(Objects.requireNonNull(element, "element"));
    }

    /** Number of elements. O(1). */
    public int size() {
        return store.size();
    }

    /** Whether the set has no element (its context may still remember removals). */
    public boolean isEmpty() {
        return store.isEmpty();
    }

    /** The elements, as an unmodifiable live view of this immutable value. */
    public Set<E> value() {
        return new AbstractSet<>() {
            @Override
            public Iterator<E> iterator() {
                Iterator<Map.Entry<E, Object>> it = store.iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public E next() {
                        return it.next().getKey();
                    }
                };
            }

            @Override
            public int size() {
                return store.size();
            }

            @Override
            @SuppressWarnings("unchecked")
            public boolean contains(Object o) {
                return o != null && store.containsKey((E) o);
            }
        };
    }

    /** The dots supporting {@code element}, in order; empty when absent. */
    public List<Dot> dotsOf(E element) {
        Object s = store.get(Objects.requireNonNull(element, "element"));
        List<Dot> out = new ArrayList<>(DotEntries.count(s));
        DotEntries.forEach(s, e -> out.add(DotEntries.dot(e)));
        return List.copyOf(out);
    }

    @Override
    public ORSet<E> bottom() {
        return empty();
    }
}
