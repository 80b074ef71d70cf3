package io.converge.crdt.engine;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.store.StoreRecoveryReport;
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

    /**
     * The replicator recovered from its local store at start: published once, before any other
     * event, whenever a {@link ReplicatorConfig.Builder#store store} is configured, clean or not.
     * The report says whose store it is, which snapshot and how many log records were recovered,
     * what was damaged (a torn tail, a CRC mismatch, a bad snapshot), what was cut off or set
     * aside in the store's {@code quarantine/} directory, and whether the store was recovered as
     * a new replica with holes accepted; {@link StoreRecoveryReport#clean()} tells at a glance.
     * Also available any time as {@link Replicator#recovery()}.
     *
     * @param replica this replica
     * @param report what recovery found and did
     */
    record Recovered(ReplicaId replica, StoreRecoveryReport report) implements ReplicatorEvent {
        /** Checks the components. */
        public Recovered {
            Objects.requireNonNull(replica, "replica");
            Objects.requireNonNull(report, "report");
        }
    }
}
