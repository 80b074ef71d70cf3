package io.converge.crdt.testing;

import io.converge.crdt.ReplicatedData;
import java.util.List;
import java.util.Objects;

/**
 * A run of the {@link Simulator} as plain data: a list of steps, so a failing run shrinks to a
 * short one and replays exactly. {@code pick} chooses among the messages in flight (modulo their
 * number), which is how a schedule reorders the network.
 *
 * @param nodes number of nodes
 * @param steps the steps
 * @param <S> the CRDT type
 */
public record Schedule<S extends ReplicatedData<S>>(int nodes, List<Step<S>> steps) {
    public Schedule {
        if (nodes < 1) {
            throw new IllegalArgumentException("at least one node, got " + nodes);
        }
        steps = List.copyOf(steps);
    }

    /** One step of a schedule. */
    public sealed interface Step<S extends ReplicatedData<S>> {
    }

    /** Node {@code node} updates {@code key} with {@code operation}. */
    public record Update<S extends ReplicatedData<S>>(int node, String key, Operation<S> operation) implements Step<S> {
        public Update {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(operation, "operation");
        }

        @Override
        public String toString() {
            return "n" + node + "." + key + "." + operation.description();
        }
    }

    /** One message in flight, chosen by {@code pick}, arrives (unless a partition is in the way). */
    public record Deliver<S extends ReplicatedData<S>>(int pick) implements Step<S> {
        @Override
        public String toString() {
            return "deliver#" + pick;
        }
    }

    /** One message in flight arrives and stays in flight, to arrive again. */
    public record Duplicate<S extends ReplicatedData<S>>(int pick) implements Step<S> {
        @Override
        public String toString() {
            return "duplicate#" + pick;
        }
    }

    /** One message in flight is lost. */
    public record Drop<S extends ReplicatedData<S>>(int pick) implements Step<S> {
        @Override
        public String toString() {
            return "drop#" + pick;
        }
    }

    /** Simulated time moves on by {@code millis} and every node gets a tick. */
    public record Tick<S extends ReplicatedData<S>>(long millis) implements Step<S> {
        @Override
        public String toString() {
            return "tick+" + millis + "ms";
        }
    }

    /** Node {@code node} crashes and restarts from what it persisted. */
    public record Crash<S extends ReplicatedData<S>>(int node) implements Step<S> {
        @Override
        public String toString() {
            return "crash n" + node;
        }
    }

    /**
     * The network splits in two: nodes whose bit in {@code mask} is set on one side, the others
     * on the other; messages across are lost. Mask 0 heals.
     */
    public record Partition<S extends ReplicatedData<S>>(int mask) implements Step<S> {
        @Override
        public String toString() {
            return mask == 0 ? "heal partition" : "partition " + Integer.toBinaryString(mask);
        }
    }
}
