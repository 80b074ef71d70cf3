package io.converge.crdt.testing;

import io.converge.crdt.ReplicatedData;
import java.util.List;
import java.util.Objects;

/**
 * A run of the {@link Simulator} as plain data: how many nodes, the seed of everything the
 * network, the membership views and the disks decide at random (latencies, random loss,
 * duplication and reordering, view lags, fsync latencies), and a list of steps. A failing run
 * replays exactly from it and shrinks to a shorter list.
 *
 * <p>Steps act at the current simulated time; only {@link Tick} moves time on, and then every
 * timer, delivery and disk write due meanwhile happens. A run of {@link Update}s in a row lands
 * on each node's sync loop together, as the driver's group commit takes them under load. Message
 * steps ({@link Deliver}, {@link Duplicate}, {@link Drop}) act on the frames in flight, in the
 * order they were sent, chosen by {@code pick} modulo their number: that is how a schedule
 * interleaves links and loses frames beyond the random faults. Each link stays in order, as the
 * transport contract promises; only acks, nacks and heartbeats (out of band) overtake.
 *
 * @param nodes number of nodes, at least 1
 * @param seed the seed of the simulation's random decisions
 * @param steps the steps
 * @param <S> the CRDT type
 */
public record Schedule<S extends ReplicatedData<S>>(int nodes, long seed, List<Step<S>> steps) {
    /** @throws IllegalArgumentException if {@code nodes} is below 1 */
    public Schedule {
        if (nodes < 1) {
            throw new IllegalArgumentException("at least one node, got " + nodes);
        }
        steps = List.copyOf(steps);
    }

    /** A schedule with seed 0. */
    public Schedule(int nodes, List<Step<S>> steps) {
        this(nodes, 0, steps);
    }

    /** One step of a schedule. */
    public sealed interface Step<S extends ReplicatedData<S>> {
    }

    /** Node {@code node} updates {@code key} with {@code operation} (skipped while the node is down). */
    public record Update<S extends ReplicatedData<S>>(int node, String key, Operation<S> operation) implements Step<S> {
        public Update {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(operation, "operation");
        }

        @Override
        public String toString() {
            return "n" + node + " update " + key + " " + operation.description();
        }
    }

    /**
     * One frame in flight, chosen by {@code pick}, arrives now, ahead of its time, after every
     * frame sent before it on its link (unless it is out of band, or a cut link is in the way).
     */
    public record Deliver<S extends ReplicatedData<S>>(int pick) implements Step<S> {
        @Override
        public String toString() {
            return "deliver #" + pick;
        }
    }

    /** Like {@link Deliver}, but the chosen frame arrives twice in a row. */
    public record Duplicate<S extends ReplicatedData<S>>(int pick) implements Step<S> {
        @Override
        public String toString() {
            return "duplicate #" + pick;
        }
    }

    /** One frame in flight is lost. */
    public record Drop<S extends ReplicatedData<S>>(int pick) implements Step<S> {
        @Override
        public String toString() {
            return "drop #" + pick;
        }
    }

    /** Simulated time moves on by {@code millis}; timers fire, frames arrive, disks write. */
    public record Tick<S extends ReplicatedData<S>>(long millis) implements Step<S> {
        public Tick {
            if (millis < 0) {
                throw new IllegalArgumentException("time moves forward, got " + millis);
            }
        }

        @Override
        public String toString() {
            return "tick +" + millis + "ms";
        }
    }

    /**
     * Node {@code node} dies at once (kill -9, or power loss): its volatile state and the frames
     * it had in flight are lost, its disk keeps what was durable. If a disk write was pending,
     * the crash strikes during it and {@code tornPercent} percent of its bytes reach the disk
     * (the last record may be cut short; at 100 the batch is whole and a snapshot written with
     * it is torn instead). The node stays down until {@link Restart} or the heal.
     */
    public record Crash<S extends ReplicatedData<S>>(int node, int tornPercent) implements Step<S> {
        public Crash {
            if (tornPercent < 0 || tornPercent > 100) {
                throw new IllegalArgumentException("tornPercent must be 0..100, got " + tornPercent);
            }
        }

        /** A crash during which no pending write reaches the disk. */
        public Crash(int node) {
            this(node, 0);
        }

        @Override
        public String toString() {
            return "crash n" + node + " (" + tornPercent + "% of a pending write lands)";
        }
    }

    /** Node {@code node}, if down, starts again from its disk as a new incarnation. */
    public record Restart<S extends ReplicatedData<S>>(int node) implements Step<S> {
        @Override
        public String toString() {
            return "restart n" + node;
        }
    }

    /**
     * Node {@code node} leaves gracefully ({@code Replicator.closeAsync()}): flushes to its
     * reachable peers, says goodbye (they release it at once), stops. Down until {@link Restart}.
     */
    public record Leave<S extends ReplicatedData<S>>(int node) implements Step<S> {
        @Override
        public String toString() {
            return "leave n" + node;
        }
    }

    /**
     * The network splits in two: nodes whose bit in {@code mask} is set on one side, the others
     * on the other; every link across is cut both ways, every other link restored. Mask 0 heals.
     */
    public record Partition<S extends ReplicatedData<S>>(int mask) implements Step<S> {
        @Override
        public String toString() {
            return mask == 0 ? "heal all links" : "partition " + Integer.toBinaryString(mask);
        }
    }

    /**
     * The link from {@code from} to {@code to} goes down, that direction only: with both
     * directions of one pair cut and the others up, the partition is non-transitive.
     */
    public record Cut<S extends ReplicatedData<S>>(int from, int to) implements Step<S> {
        @Override
        public String toString() {
            return "cut n" + from + "→n" + to;
        }
    }

    /** The link from {@code from} to {@code to} comes back. */
    public record Mend<S extends ReplicatedData<S>>(int from, int to) implements Step<S> {
        @Override
        public String toString() {
            return "mend n" + from + "→n" + to;
        }
    }

    /**
     * A false suspicion: {@code observer}'s failure detector reports {@code peer} unreachable
     * although it is not, and re-admits it (same incarnation) after a view lag: a flapping view.
     */
    public record Suspect<S extends ReplicatedData<S>>(int observer, int peer) implements Step<S> {
        @Override
        public String toString() {
            return "n" + observer + " suspects n" + peer;
        }
    }
}
