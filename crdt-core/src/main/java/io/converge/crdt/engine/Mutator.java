package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;

/**
 * A local mutation for {@link Replicator#update}: given the current value and this replica's
 * context, return the <em>delta</em> made by one of the type's mutators, for example
 * {@code (cart, r) -> cart.add(r.self(), "milk")}. Runs on the replicator's sync thread: keep it
 * short and free of I/O.
 *
 * @param <S> the CRDT type
 */
@FunctionalInterface
public interface Mutator<S extends ReplicatedData<S>> {
    /** The delta to join into {@code current}. Must not return null. */
    S delta(S current, ReplicaContext replica);
}
