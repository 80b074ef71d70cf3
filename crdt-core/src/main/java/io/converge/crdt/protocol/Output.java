package io.converge.crdt.protocol;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one {@link SyncMachine#step} asks the driver to do. <b>Driver rule</b> (crdt.md §5): the
 * {@link #persists()} must be durable before any of the {@link #sends()} is released, because
 * acknowledgements promise that what they cover survives a crash.
 *
 * @param sends messages to peers, in order
 * @param changes keys whose state changed, for listeners
 * @param persists records to make durable, in sequence order
 * @param outcomes for local updates, what became of each, in input order (empty for other inputs)
 * @param problems peer misbehaviour worth logging (the offending input changed nothing)
 * @param expired keys dropped because their time to live ran out (no tombstone is kept)
 * @param reads answers to {@link Input.Read}s, in the order they completed
 * @param nextWakeupMillis when the machine wants its next {@link Input.Tick}
 * @param refusals what a bound of {@link SyncConfig} refused in this step (already counted in
 *     {@link MachineStats#refused()})
 * @param contradictions received deltas and states refused because they contradict what this replica
 *     holds (each changed nothing)
 */
public record Output(List<Send> sends, List<Change> changes, List<Persist> persists,
        List<Outcome> outcomes, List<String> problems, List<String> expired, List<ReadResult> reads,
        long nextWakeupMillis, List<Refusal> refusals, List<Contradiction> contradictions) {
    /** An output that refused nothing. */
    public Output(List<Send> sends, List<Change> changes, List<Persist> persists, List<Outcome> outcomes,
            List<String> problems, List<String> expired, List<ReadResult> reads, long nextWakeupMillis) {
        this(sends, changes, persists, outcomes, problems, expired, reads, nextWakeupMillis, List.of(), List.of());
    }

    public Output {
        refusals = List.copyOf(refusals);
        contradictions = List.copyOf(contradictions);
        reads = List.copyOf(reads);
        sends = List.copyOf(sends);
        changes = List.copyOf(changes);
        persists = List.copyOf(persists);
        outcomes = List.copyOf(outcomes);
        problems = List.copyOf(problems);
        expired = List.copyOf(expired);
    }

    /** What became of one local update. */
    public sealed interface Outcome {
    }

    /**
     * The update was applied (or changed nothing, being already included): {@code state} is the
     * key's state right after it, before any later update of the same step. {@code upTo} is the
     * buffer position it rests on: a peer that acknowledged {@code upTo} or beyond holds it.
     */
    public record Applied(ReplicatedData<?> state, long upTo) implements Outcome {
        public Applied {
            Objects.requireNonNull(state, "state");
        }
    }

    /**
     * The update was rejected and changed nothing: its mutation threw {@code error}, returned
     * null, or the key holds another type ({@link io.converge.crdt.CrdtTypeMismatchException}).
     */
    public record Failed(RuntimeException error) implements Outcome {
        public Failed {
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * A received delta or state of one key that was not joined because it contradicts what this
     * replica holds (crdt.md §2: a dot is minted once); the rest of its message was handled.
     */
    public sealed interface Contradiction {
        /** The peer that sent it. */
        ReplicaId from();

        /** The key it was for. */
        String key();
    }

    /**
     * {@code from} sent, for {@code key}, a dot or stamp that this replica holds with another
     * payload: a corrupted frame, or a peer that reuses a replica id after losing its state.
     */
    public record ConflictingInput(ReplicaId from, String key, io.converge.crdt.Conflict conflict) implements Contradiction {
        public ConflictingInput {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(conflict, "conflict");
        }
    }

    /**
     * {@code from} sent, for {@code key}, proof that this replica's own id was used before by a
     * replica whose state is lost ({@code evidence} says which): from now on this replica
     * refuses local updates with {@link io.converge.crdt.ReplicaIdReusedException}.
     */
    public record ReplicaIdReused(ReplicaId from, String key, String evidence) implements Contradiction {
        public ReplicaIdReused {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(evidence, "evidence");
        }
    }

    /**
     * Something of {@code peer}'s that the bound {@code limit} refused; {@code detail} says what,
     * for a log line.
     */
    public record Refusal(ReplicaId peer, Limit limit, String detail) {
        public Refusal {
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(limit, "limit");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /** A message to send to {@code to}. */
    public record Send(ReplicaId to, Message message) {
    }

    /**
     * The state of {@code key} went from {@code before} (empty for a new key) to {@code after}
     * by joining {@code delta}, which came from {@code from} (empty for a local update).
     */
    public record Change(String key, Optional<ReplicatedData<?>> before, ReplicatedData<?> after,
            ReplicatedData<?> delta, Optional<ReplicaId> from) {
    }

    /**
     * Record {@code sequence} of the delta log: {@code key} joined {@code delta}; the key expires
     * at {@code expiresAt} (epoch ms, 0 for never). Replaying the records in order rebuilds the
     * store; keys whose expiry passed are dropped on load.
     */
    public record Persist(long sequence, String key, ReplicatedData<?> delta, long expiresAt) {
    }

    /** How a read of one key from a peer ended. */
    public enum ReadStatus {
        /** The peer sent its state, joined into ours: {@code state} is the join. */
        FOUND,
        /** The peer holds nothing under the key: {@code state} is ours, if any. */
        ABSENT,
        /** The peer is not up: nothing was asked. */
        PEER_NOT_UP,
        /** The peer's state is too large for one message; read it through anti-entropy. */
        TOO_LARGE,
        /** The peer holds another type under the key: nothing was joined. */
        TYPE_MISMATCH
    }

    /**
     * The answer to {@link Input.Read} {@code id} from {@code from}.
     *
     * @param state the key's state here after the read (the join of ours and the peer's)
     */
    public record ReadResult(long id, ReplicaId from, ReadStatus status, Optional<ReplicatedData<?>> state) {
        public ReadResult {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(state, "state");
        }
    }
}
