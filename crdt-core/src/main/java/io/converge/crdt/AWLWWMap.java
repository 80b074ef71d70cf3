package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.internal.DotEntries;
import io.converge.crdt.internal.HashTrie;
import io.converge.crdt.internal.Tagged;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A map with add-wins keys and last-writer-wins values: the {@code AWLWWMap} that Elixir's
 * DeltaCrdt ships, stamped with hybrid logical clocks instead of wall-clock nanoseconds.
 *
 * <p><b>Concurrent operations:</b>
 * <ul>
 *   <li>put ∥ remove of the same key: the key stays, with the put's value (add-wins);
 *   <li>put ∥ put of the same key: both writes are kept in the state; {@link #get} returns the
 *       one with the greater stamp {@code (hlc, replicaId)}, and the next put replaces both;
 *   <li>a put that causally follows another always wins, whatever the wall clocks say, because
 *       the writer's clock first absorbs the stamps it overwrites (crdt.md §4);
 *   <li>changes to different keys never interfere.
 * </ul>
 *
 * <p><b>State:</b> a causal dot map (crdt.md §3): key → dot function from each live put's dot to
 * {@code (value, stamp)}, plus one causal context. Remove leaves no tombstone. Storage, keyed
 * deltas and structural joins are those of {@link ORSet}: put, remove and get are O(log n);
 * joining a delta of k keys costs O(k log n + r) whatever the map's size; a full join is
 * O(n + m) and shares unchanged subtrees. A put's delta carries only that key's entry.
 *
 * <p>Immutable and safe to share between threads. Keys and values must be immutable with
 * consistent {@code equals}/{@code hashCode}; nulls are rejected.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class AWLWWMap<K, V> extends FlatDotMap<K, AWLWWMap<K, V>> implements CausalCrdt<AWLWWMap<K, V>> {
    private static final AWLWWMap<?, ?> EMPTY = new AWLWWMap<>(HashTrie.empty(), CausalContext.empty(), HashTrie.empty());

    private AWLWWMap(HashTrie<K, Object> store, CausalContext context, HashTrie<K, Boolean> removedHints) {
        super(store, context, removedHints);
    }

    /** The empty map (bottom). */
    @SuppressWarnings("unchecked")
    public static <K, V> AWLWWMap<K, V> empty() {
        return (AWLWWMap<K, V>) EMPTY;
    }

    @Override
    AWLWWMap<K, V> make(HashTrie<K, Object> store, CausalContext context, HashTrie<K, Boolean> removedHints) {
        return store.isEmpty() && context.isEmpty() && removedHints != null && removedHints.isEmpty()
                ? empty() : new AWLWWMap<>(store, context, removedHints);
    }

    // ----------------------------------------------------------------------------- mutators

    /**
     * The delta of {@code key ↦ value} on {@code replica}: one new entry stamped by
     * {@code clock}, and a context covering the key's observed entries, which it replaces.
     */
    public AWLWWMap<K, V> put(ReplicaId replica, HybridLogicalClock clock, K key, V value) {
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Object current = store.get(key);
        Tagged winner = winner(current);
        // One clock event per write (crdt.md §3), after the stamp it replaces.
        HlcTimestamp stamp = winner != null ? clock.nowAfter(new HlcTimestamp(winner.stamp)) : clock.now();
        var d = Bounds.nextDot(context, replica);
        CausalContext.Builder b = CausalContext.builder().add(d);
        DotEntries.addDots(current, b);
        return singleKeyDelta(key, new Tagged(d, stamp.packed(), value), b.build());
    }

    /** The delta of removing {@code key} (its observed entries); bottom if absent. */
    public AWLWWMap<K, V> remove(K key) {
        return removeKeyDelta(key);
    }

    /** The delta of removing every key observed here. */
    public AWLWWMap<K, V> clear() {
        return clearDelta();
    }

    // ----------------------------------------------------------------------------- queries

    /** The entry with the greatest {@code (stamp, replica, counter)}: the visible value. */
    private static Tagged winner(Object entries) {
        Tagged best = null;
        int n = DotEntries.count(entries);
        for (int i = 0; i < n; i++) {
            Tagged t = (Tagged) DotEntries.get(entries, i);
            if (best == null || t.stamp > best.stamp
                    || (t.stamp == best.stamp && (t.replica.compareTo(best.replica) > 0
                        || (t.replica.equals(best.replica) && t.counter > best.counter)))) {
                best = t;
            }
        }
        return best;
    }

    /** The value of {@code key}, empty if absent. O(log n). */
    @SuppressWarnings("unchecked")
    public Optional<V> get(K key) {
        Tagged t = winner(store.get(Objects.requireNonNull(key, "key")));
        return t == null ? Optional.empty() : Optional.of((V) t.value);
    }

    /** The HLC timestamp of {@code key}'s visible value, empty if absent. */
    public Optional<HlcTimestamp> timestamp(K key) {
        Tagged t = winner(store.get(Objects.requireNonNull(key, "key")));
        return t == null ? Optional.empty() : Optional.of(new HlcTimestamp(t.stamp));
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

    /** Number of concurrent values held for {@code key} (1 unless puts were concurrent). */
    public int versions(K key) {
        return DotEntries.count(store.get(Objects.requireNonNull(key, "key")));
    }

    /** The visible key → value pairs, as an unmodifiable live view of this immutable value. */
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
                            @SuppressWarnings("unchecked")
                            public Entry<K, V> next() {
                                Entry<K, Object> e = it.next();
                                return Map.entry(e.getKey(), (V) winner(e.getValue()).value);
                            }
                        };
                    }

                    @Override
                    public int size() {
                        return store.size();
                    }
                };
            }

            @Override
            @SuppressWarnings("unchecked")
            public V get(Object key) {
                if (key == null) {
                    return null;
                }
                Tagged t = winner(store.get((K) key));
                return t == null ? null : (V) t.value;
            }

            @Override
            @SuppressWarnings("unchecked")
            public boolean containsKey(Object key) {
                return key != null && store.containsKey((K) key);
            }
        };
    }

    @Override
    public AWLWWMap<K, V> bottom() {
        return empty();
    }
}
