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

    /** Membership reports a peer reachable (new, or back after a partition or restart). */
    record PeerUp(ReplicaId peer) implements Input {
        public PeerUp {
            Objects.requireNonNull(peer, "peer");
        }
    }

    /** Membership reports a peer gone: it no longer pins the delta buffer. */
    record PeerDown(ReplicaId peer) implements Input {
        public PeerDown {
            Objects.requireNonNull(peer, "peer");
        }
    }
}
