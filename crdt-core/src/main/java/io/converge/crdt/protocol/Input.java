package io.converge.crdt.protocol;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
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
