package io.converge.crdt.testing;

import io.converge.crdt.ReplicatedData;
import java.util.Objects;

/**
 * One step of a {@link History}: a mutation on one replica, or something the network does with
 * the deltas in flight. Replicas are numbered from 0; {@code pick} chooses among the messages
 * waiting for a replica (modulo their number), which is how a schedule reorders them.
 *
 * @param <S> the CRDT type
 */
public sealed interface Step<S extends ReplicatedData<S>> {
    /** Replica {@code replica} performs {@code operation}; its delta is sent to every other replica. */
    record Mutate<S extends ReplicatedData<S>>(int replica, Operation<S> operation) implements Step<S> {
        public Mutate {
            Objects.requireNonNull(operation, "operation");
        }

        @Override
        public String toString() {
            return "r" + replica + "." + operation.description();
        }
    }

    /** Replica {@code replica} receives (and joins) one waiting delta, chosen by {@code pick}. */
    record Deliver<S extends ReplicatedData<S>>(int replica, int pick) implements Step<S> {
        @Override
        public String toString() {
            return "deliver→r" + replica + "#" + pick;
        }
    }

    /** Like {@link Deliver}, but the delta stays in flight and will arrive again. */
    record Duplicate<S extends ReplicatedData<S>>(int replica, int pick) implements Step<S> {
        @Override
        public String toString() {
            return "duplicate→r" + replica + "#" + pick;
        }
    }

    /** One delta waiting for {@code replica}, chosen by {@code pick}, is lost. */
    record Drop<S extends ReplicatedData<S>>(int replica, int pick) implements Step<S> {
        @Override
        public String toString() {
            return "drop→r" + replica + "#" + pick;
        }
    }

    /** Replica {@code to} joins the full state of replica {@code from} (state-based gossip). */
    record Sync<S extends ReplicatedData<S>>(int from, int to) implements Step<S> {
        @Override
        public String toString() {
            return "sync r" + from + "→r" + to;
        }
    }

    /** Simulated time moves on by {@code millis}. */
    record Tick<S extends ReplicatedData<S>>(long millis) implements Step<S> {
        @Override
        public String toString() {
            return "tick+" + millis + "ms";
        }
    }
}
