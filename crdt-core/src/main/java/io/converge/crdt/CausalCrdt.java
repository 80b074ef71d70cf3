package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;

/**
 * A causal CRDT (crdt.md §2): a <em>dot store</em> (the payload, whose every event is named by a
 * dot) paired with a {@link CausalContext} (every dot the state has seen). A dot that the context
 * has seen but the store lacks was removed, which is how removals need no tombstones.
 *
 * <p>Causal CRDTs can be nested inside an {@link ORMap}: the map keeps one context shared by all
 * its values (a nested value must never own a context of its own, or a re-created key would be
 * shadowed by its old version). The methods below let the map join and mutate a nested store
 * against the map's context; users of a plain value never need them.
 *
 * @param <S> the implementing type itself
 */
public interface CausalCrdt<S extends CausalCrdt<S>> extends ReplicatedData<S> {
    /** The dots this state has seen. */
    CausalContext context();

    /** The same store paired with another context (O(1)). */
    S withContext(CausalContext context);

    /**
     * The causal join of this store, seen under {@code thisContext}, and {@code other}'s store,
     * seen under {@code otherContext}. The result's context is the empty context: the caller owns
     * the union of the two contexts.
     */
    S joinStore(S other, CausalContext thisContext, CausalContext otherContext);

    /** The dots held by the store (not the whole context); removing them removes every entry. */
    CausalContext storeDots();

    /** Whether the store holds no dot (the value is empty whatever its context says). */
    boolean isStoreEmpty();
}
