package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.internal.DotEntries;
import io.converge.crdt.internal.HashTrie;
import io.converge.crdt.internal.Tagged;
import java.util.function.BiConsumer;

/**
 * A {@link DotMapBase} whose per-key stores are flat dot sets or dot functions
 * ({@link DotEntries}): {@link ORSet} and {@link AWLWWMap}. The per-key join, dots and checks
 * are the same for both, so they live here once.
 *
 * @param <K> key type
 * @param <S> the concrete type
 */
abstract class FlatDotMap<K, S extends FlatDotMap<K, S>> extends DotMapBase<K, S> {
    FlatDotMap(HashTrie<K, Object> store, CausalContext context, HashTrie<K, Boolean> removedHints) {
        super(store, context, removedHints);
    }

    @Override
    final Object joinEntry(Object a, CausalContext ca, boolean aKeyed, Object b, CausalContext cb, boolean bKeyed) {
        return DotEntries.join(a, ca, b, cb);
    }

    /**
     * Two single entries with the same dot are the same write: a dot is minted once, for one key
     * and one value, and {@link #checkInvariants} refuses a state that holds a dot under two keys.
     */
    @Override
    final boolean sameEntries(Object a, Object b) {
        return DotEntries.sameSingleEntry(a, b);
    }

    @Override
    final boolean judgesSameEntries() {
        return true;
    }

    /** Most dots the novel part of a delta may list; past it the delta is kept whole. */
    static final int NOVEL_DOT_LIMIT = 8192;

    /**
     * The part of the keyed value {@code delta} that joining it adds to this state: the entries
     * whose dots this state has not seen, under a context of the dots that are new here and the
     * dots of this state's entries that the join removes. {@code this ⊔ result} equals
     * {@code this ⊔ delta}, and the result is keyed. This is what a replica buffers and forwards
     * for a received delta (crdt.md §5), so that a forwarded interval does not carry back writes
     * its target already holds. A full state {@code delta} (a transfer's, a read's) is visited only
     * at the keys whose entries differ from this state's ({@link HashTrie#forEachDifference}, which
     * skips equal subtrees), so a received state that differs in 100 entries is recorded, logged
     * and forwarded as about 100 entries, not as the whole state. Returns {@code delta} itself
     * when its context covers new dots of entries it does not hold, or when there are too many
     * dots to list. O(size of delta) for a keyed delta, O(differences) for a full state.
     */
    final S novelPart(S delta) {
        if (delta.removedHints == null && (store.isEmpty() || delta == this)) {
            return delta;
        }
        CausalContext seen = context;
        CausalContext deltaContext = delta.context;
        CausalContext.Builder dots = CausalContext.builder();
        long[] newDots = {0};
        // Each added dot counts towards the limit, so a huge range stops after the limit.
        deltaContext.versionVector().forEach((r, n) -> {
            for (long k = seen.versionVector().get(r) + 1; k <= n && newDots[0] <= NOVEL_DOT_LIMIT; k++) {
                if (!seen.contains(r, k)) {
                    dots.add(r, k);
                    newDots[0]++;
                }
            }
        });
        if (newDots[0] > NOVEL_DOT_LIMIT) {
            return delta;
        }
        deltaContext.forEachCloudDot(d -> {
            if (!seen.contains(d.replica(), d.counter())) {
                dots.add(d.replica(), d.counter());
                newDots[0]++;
            }
        });
        if (newDots[0] > NOVEL_DOT_LIMIT) {
            return delta;
        }
        Novel<K> novel = new Novel<>();
        BiConsumer<K, Object> visit = (key, ignored) -> {
            Object mine = store.get(key);
            Object theirs = delta.store.get(key);
            Object fresh = theirs == null ? null : DotEntries.survivors(theirs, seen);
            boolean removes = false;
            int k = DotEntries.count(mine);
            for (int i = 0; i < k; i++) {
                Object e = DotEntries.get(mine, i);
                ReplicaId r = DotEntries.replica(e);
                long c = DotEntries.counter(e);
                if (deltaContext.contains(r, c) && !DotEntries.containsDot(theirs, r, c)) {
                    dots.add(r, c);
                    removes = true;
                }
            }
            if (fresh != null) {
                novel.entries += DotEntries.count(fresh);
                novel.store = novel.store.put(key, fresh);
            } else if (removes) {
                novel.hints = novel.hints.put(key, Boolean.TRUE);
            }
        };
        if (delta.removedHints == null) {
            store.forEachDifference(delta.store, key -> visit.accept(key, null));
        } else {
            delta.store.forEach(visit);
            delta.removedHints.forEach(visit);
        }
        // Every new dot must be an entry's: a dot added and removed before this state saw it
        // belongs to a key the result might not name.
        if (novel.entries != newDots[0] || novel.hints.size() > KEYED_LIMIT) {
            return delta;
        }
        return make(novel.store, dots.build(), novel.hints);
    }

    private static final class Novel<K> {
        HashTrie<K, Object> store = HashTrie.empty();
        HashTrie<K, Boolean> hints = HashTrie.empty();
        long entries;
    }

    /**
     * Same dot with another payload (element, value or stamp) is a conflict; so is one writer's
     * stamp on two different entries of a key, since each write ticks the writer's clock.
     */
    @Override
    final Conflict entryConflict(K key, Object mine, Object theirs,
            java.util.Map<io.converge.crdt.causal.Dot, K> unplaced) {
        int n = DotEntries.count(theirs);
        for (int i = 0; i < n; i++) {
            Object t = DotEntries.get(theirs, i);
            ReplicaId r = DotEntries.replica(t);
            long c = DotEntries.counter(t);
            Object m = DotEntries.find(mine, r, c);
            if (m != null) {
                if (!m.equals(t)) {
                    return Conflict.dot(r, c, key);
                }
                continue;
            }
            if (t instanceof Tagged tt && tt.stamp != 0) {
                int k = DotEntries.count(mine);
                for (int j = 0; j < k; j++) {
                    Tagged o = (Tagged) DotEntries.get(mine, j);
                    if (o.stamp == tt.stamp && o.replica.equals(tt.replica)) {
                        return Conflict.stamp(r, tt.stamp, key);
                    }
                }
            }
            if (context.contains(r, c)) {
                unplaced.put(new io.converge.crdt.causal.Dot(r, c), key);
            }
        }
        return null;
    }

    @Override
    final Conflict heldElsewhere(Object mine, java.util.Map<io.converge.crdt.causal.Dot, K> unplaced) {
        int n = DotEntries.count(mine);
        for (int i = 0; i < n; i++) {
            Object m = DotEntries.get(mine, i);
            K other = unplaced.get(DotEntries.dot(m));
            if (other != null) {
                return Conflict.dot(DotEntries.replica(m), DotEntries.counter(m), other);
            }
        }
        return null;
    }

    @Override
    final boolean dotsIdentifyEntries() {
        return true;
    }

    @Override
    public final void checkInvariants() {
        super.checkInvariants();
        long[] entries = {0};
        store.forEach((k, e) -> entries[0] += DotEntries.count(e));
        CausalContext distinct = storeDots();
        // The builder keeps each distinct dot once; fewer dots than entries means a repeated dot.
        if (distinct.versionVector().sum() + distinct.cloudSize() != entries[0]) {
            throw new IllegalStateException("a dot appears under more than one key");
        }
    }

    @Override
    final void addEntryDots(Object entry, CausalContext.Builder b) {
        DotEntries.addDots(entry, b);
    }

    @Override
    final void checkEntry(K key, Object entry, CausalContext context) {
        if (DotEntries.count(entry) == 0) {
            throw new IllegalStateException("key " + key + " holds no entry");
        }
        if (!DotEntries.allIn(entry, context)) {
            throw new IllegalStateException("entries of " + key + " " + DotEntries.toString(entry)
                    + " are not all in the context " + context);
        }
    }
}
