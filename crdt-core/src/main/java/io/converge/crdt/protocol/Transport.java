package io.converge.crdt.protocol;

import io.converge.crdt.causal.ReplicaId;

/**
 * What a network (or an in-memory link, or a simulator) must provide to run a
 * {@link SyncDriver}: sending a message to a peer, and reporting messages and peers to the driver.
 * Everything else (the protocol, timers, persistence, ordering) is the driver's.
 *
 * <p>Implementations must be safe to call from the driver's thread and must not block it: a send
 * that cannot go out now is queued or dropped (the protocol resends what matters).
 */
public interface Transport extends AutoCloseable {
    /** Starts delivering to {@code receiver}; called once by the driver before any send. */
    void start(ReplicaId self, Receiver receiver);

    /** Sends {@code message} to {@code to}, or drops it if {@code to} is unreachable. Never blocks. */
    void send(ReplicaId to, Message message);

    /** Stops delivering; idempotent. */
    @Override
    void close();

    /** The driver's side: thread-safe, non-blocking; events are queued to the driver's thread. */
    interface Receiver {
        /** A message from {@code from} arrived. */
        void received(ReplicaId from, Message message);

        /** {@code peer} became reachable (first contact, after a partition, or after its restart). */
        void peerUp(ReplicaId peer);

        /** {@code peer} left or became unreachable. */
        void peerDown(ReplicaId peer);
    }
}
