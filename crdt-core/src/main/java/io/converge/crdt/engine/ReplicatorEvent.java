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

    /**
     * A bound of {@link io.converge.crdt.protocol.SyncConfig} refused something of a peer's (see
     * its Javadoc for what each bound does); counted in {@link SyncStats#protocol()}'s
     * {@code refused}. Published at most once a minute per peer and bound, with the number of
     * refusals folded into it.
     *
     * @param replica this replica
     * @param peer the peer whose message or lag met the bound
     * @param limit the bound
     * @param detail what was refused, for people
     * @param suppressed refusals of this peer and bound since the last event, not published alone
     */
    record LimitReached(ReplicaId replica, ReplicaId peer, io.converge.crdt.protocol.Limit limit, String detail,
            long suppressed) implements ReplicatorEvent {
        /** Checks the components. */
        public LimitReached {
            Objects.requireNonNull(replica, "replica");
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(limit, "limit");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * Frames from {@code peer} were dropped because the inbound queue held
     * {@link io.converge.crdt.protocol.SyncConfig#inboundMaxBytes()} already (the protocol resends
     * what matters); counted in {@link SyncStats#inboundDropped()}. Published for the first drop
     * and then once per 1,024.
     *
     * @param replica this replica
     * @param peer the sender of the frame dropped last
     * @param dropped frames dropped so far, from all peers
     */
    record InboundDropped(ReplicaId replica, ReplicaId peer, long dropped) implements ReplicatorEvent {
        /** Checks the components. */
        public InboundDropped {
            Objects.requireNonNull(replica, "replica");
            Objects.requireNonNull(peer, "peer");
        }
    }
}
