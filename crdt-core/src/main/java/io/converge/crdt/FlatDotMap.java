package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.internal.DotEntries;
import io.converge.crdt.internal.HashTrie;

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
    final boolean dotsIdentifyEntries() {
        return true;
    }

    @Override
    public final void checkInvariants() {
        super.checkInvariants();
        long[] entries = {0};
        CausalContext.Builder dots = CausalContext.builder();
        store.forEach((k, e) -> {
            entries[0] += DotEntries.count(e);
            DotEntries.addDots(e, dots);
        });
        CausalContext distinct = dots.build();
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
