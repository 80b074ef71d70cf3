package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;

/**
 * Receives the changes of a key after each local or remote join, on the replicator's listener
 * executor, never on the sync thread. An exception thrown here is logged and the listener keeps
 * receiving later events.
 *
 * @param <S> the CRDT type
 */
@FunctionalInterface
public interface ChangeListener<S extends ReplicatedData<S>> {
    void onChange(ChangeEvent<S> event);
}
