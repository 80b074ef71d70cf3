package io.converge.crdt.engine;

import io.converge.crdt.causal.ReplicaId;
import java.util.Objects;

/**
 * Something an operator or an application should know about a replicator and can act on: a fault
 * it refused, a peer it stopped trusting, data it could not carry. Every event is also logged
 * (SLF4J) and counted in {@link SyncStats}, so a user without a listener or a logging binding still
 * sees it in the figures.
 *
 * <p>Events reach the listener given to {@link ReplicatorConfig.Builder#eventListener} on the
 * replicator's listener executor, in the order they happened, never on the sync loop; a listener
 * that throws is logged and isolated. Immutable values.
 */
public sealed interface ReplicatorEvent {

    /** The replica the event happened on. */
    ReplicaId replica();

    /**
     * A step of the sync loop threw: a bug or an exhausted resource, never a normal event. The
     * inputs of that step (updates, reads) are failed with the error; the loop goes on.
     *
     * @param replica this replica
     * @param error what was thrown
     */
    record StepFailed(ReplicaId replica, Throwable error) implements ReplicatorEvent {
        /** Checks the components. */
        public StepFailed {
            Objects.requireNonNull(replica, "replica");
            Objects.requireNonNull(error, "error");
        }
    }
}
