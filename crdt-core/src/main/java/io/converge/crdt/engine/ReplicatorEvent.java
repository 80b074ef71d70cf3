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
     * A peer sent, for a key, a delta or state holding a dot or stamp that this replica holds
     * with another payload ({@link io.converge.crdt.ReplicatedData#conflict}): a corrupted frame,
     * or a peer that reuses a replica id after losing its state. It was refused whole and nothing
     * of it joined, so the replicas stay apart, visibly, rather than diverge silently. Counted in
     * {@code SyncStats.protocol().conflictsRefused()} every time; published and logged once per
     * peer and key.
     *
     * @param replica this replica
     * @param peer the sender
     * @param key the key
     * @param conflict the reused event and where the sender holds it
     */
    record ConflictingDelta(ReplicaId replica, ReplicaId peer, String key, io.converge.crdt.Conflict conflict)
            implements ReplicatorEvent {
        /** Checks the components. */
        public ConflictingDelta {
            Objects.requireNonNull(replica, "replica");
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(conflict, "conflict");
        }
    }

    /**
     * A peer proved that this replica's id was used before by a replica whose state is lost (it
     * holds events of this id beyond what this replica issued, or one of its dots with another
     * payload): the input was refused, and every local update from now on fails with
     * {@link io.converge.crdt.ReplicaIdReusedException}. Restart the node under a new replica id.
     * Published and logged once per peer and key; {@code SyncStats.protocol().replicaIdReused()}.
     *
     * @param replica this replica, whose id is reused
     * @param peer the peer whose input proved it
     * @param key the key it was for
     * @param evidence what the input held
     */
    record ReplicaIdReused(ReplicaId replica, ReplicaId peer, String key, String evidence) implements ReplicatorEvent {
        /** Checks the components. */
        public ReplicaIdReused {
            Objects.requireNonNull(replica, "replica");
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(evidence, "evidence");
        }
    }

    /**
     * A key's data could not be encoded for a peer at send time (a value its codec refuses), so
     * the message carrying it was not sent and the peer does not receive it. Counted in
     * {@link SyncStats#messagesUnencodable()} for every message; published and logged once per
     * key and cause.
     *
     * @param replica this replica
     * @param peer the peer it was for
     * @param key the key, or {@code ""} if no single key was at fault
     * @param reason why it could not be encoded
     */
    record Unsendable(ReplicaId replica, ReplicaId peer, String key, String reason) implements ReplicatorEvent {
        /** Checks the components. */
        public Unsendable {
            Objects.requireNonNull(replica, "replica");
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(reason, "reason");
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

    /**
     * The hybrid logical clock refused a remote timestamp more than the allowed offset
     * ({@link ReplicatorConfig.Builder#maxClockOffset}) ahead of this node's physical clock, met
     * by a local last-writer-wins write over a peer's value: the writing peer's clock runs ahead
     * (or the stamp is corrupt). The write still goes through, stamped by this clock alone, so it
     * may lose to the skewed value. Published at most once every 10 seconds, with the refusals
     * since the last event folded into it; logged at WARN (not yet counted in {@link SyncStats}).
     *
     * @param replica this replica
     * @param remote the refused timestamp
     * @param physicalMillis this node's physical clock then
     * @param maxOffsetMillis the allowed offset
     * @param suppressed refusals since the last event, not published alone
     */
    record ClockSkewDetected(ReplicaId replica, io.converge.crdt.causal.HlcTimestamp remote, long physicalMillis,
            long maxOffsetMillis, long suppressed) implements ReplicatorEvent {
        /** Checks the components. */
        public ClockSkewDetected {
            Objects.requireNonNull(replica, "replica");
            Objects.requireNonNull(remote, "remote");
        }

        /** How far the remote stamp was ahead of the physical clock, in milliseconds. */
        public long aheadMillis() {
            return remote.millis() - physicalMillis;
        }
    }
}
