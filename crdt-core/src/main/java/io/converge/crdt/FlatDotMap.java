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
