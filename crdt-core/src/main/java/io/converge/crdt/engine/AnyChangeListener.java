package io.converge.crdt.engine;

/**
 * Receives the changes of every key a {@link Replicator} holds (see
 * {@link Replicator#subscribeAll}), on the replicator's listener executor, never on the sync
 * thread. An exception thrown here is logged and the listener keeps receiving later events.
 */
@FunctionalInterface
public interface AnyChangeListener {
    void onChange(AnyChangeEvent event);
}
