package io.converge.crdt.protocol;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/** What the driver feeds a {@link SyncMachine}: one event at a time, with the current time. */
public sealed interface Input {
    /**
     * A local mutation of {@code key}: {@code mutation} receives the key's current state
     * ({@code bottom} if the key is new) and returns the delta to apply.
     */
    record LocalUpdate(String key, ReplicatedData<?> bottom, UnaryOperator<ReplicatedData<?>> mutation, long ttlMillis)
            implements Input {
        /**
         * @param ttlMillis time to live after this update, 0 for none: the key is dropped on every
         *     node once no update renewed it for that long
         */
        public LocalUpdate {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(bottom, "bottom");
            Objects.requireNonNull(mutation, "mutation");
            if (ttlMillis < 0) {
                throw new IllegalArgumentException("ttl must not be negative, got " + ttlMillis);
            }
        }

        /** An update of a key that never expires. */
        public LocalUpdate(String key, ReplicatedData<?> bottom, UnaryOperator<ReplicatedData<?>> mutation) {
            this(key, bottom, mutation, 0);
        }
    }

    /**
     * Several local updates applied in one step, in list order, as if each were its own
     * {@link LocalUpdate} step: each mutation sees the state the previous ones left. A mutation
     * that throws changes nothing and fails only its own update. The deltas of one key are
     * joined into one buffered delta, one record and one change, so a batch costs the delta
     * buffer one entry per key, not per update. The {@link Output#outcomes()} hold one outcome
     * per update, in list order.
     */
    record LocalUpdates(List<LocalUpdate> updates) implements Input {
        /** @throws IllegalArgumentException if {@code updates} is empty */
        public LocalUpdates {
            updates = List.copyOf(updates);
            if (updates.isEmpty()) {
                throw new IllegalArgumentException("at least one update");
            }
        }
    }

    /** A message arrived from {@code from}. */
    record Received(ReplicaId from, Message message) implements Input {
        public Received {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(message, "message");
        }
    }

    /** Time passed; the machine resends, pushes pending deltas and collects garbage. */
    record Tick() implements Input {
    }

    /**
     * The transport admitted {@code peer}: new, back after a partition, or restarted. A repeated
     * peer-up for the same {@code incarnation} changes nothing (membership views repeat); one
     * after the peer was {@link PeerDownReason#UNREACHABLE unreachable} resumes from the position
     * it acknowledged; a new incarnation (the peer restarted) starts afresh with a transfer.
     *
     * @param incarnation tells this session of the peer from earlier ones; the transport chooses it
     */
    record PeerUp(ReplicaId peer, long incarnation) implements Input {
        public PeerUp {
            Objects.requireNonNull(peer, "peer");
        }
    }

    /** The transport reports {@code peer} gone, and why; see {@link PeerDownReason}. */
    record PeerDown(ReplicaId peer, PeerDownReason reason) implements Input {
        public PeerDown {
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * This node is leaving for good: the machine tells every reachable peer goodbye
     * ({@link Message.Goodbye}), so they release it at once instead of keeping its position as
     * for an unreachable peer. The driver feeds it once the peers acknowledged what they could.
     */
    record Leave() implements Input {
    }

    /**
     * Ask {@code from} for its state of {@code key} and join it into ours (read repair). The
     * answer comes as an {@link Output.ReadResult} with the same {@code id}, chosen by the driver;
     * the machine keeps no state for it, so a lost request or reply is the driver's timeout.
     */
    record Read(long id, String key, ReplicaId from) implements Input {
        public Read {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(from, "from");
        }
    }
}
