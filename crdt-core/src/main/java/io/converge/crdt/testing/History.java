package io.converge.crdt.testing;

import io.converge.crdt.ReplicatedData;
import java.util.List;
import java.util.Objects;

/**
 * A run of a replicated CRDT as plain data: how many replicas, how far each replica's physical
 * clock is off, and the steps (mutations and network events) in order. Because it is a list, a
 * failing history shrinks to a short one, and replaying it ({@link Replay#of}) is deterministic.
 *
 * @param replicas number of replicas, at least 1
 * @param clockSkewMillis per replica, how far its physical clock is ahead of simulated time
 *     (may be negative); size {@code replicas}
 * @param steps the steps
 * @param <S> the CRDT type
 */
public record History<S extends ReplicatedData<S>>(int replicas, List<Long> clockSkewMillis, List<Step<S>> steps) {
    /**
     * @throws IllegalArgumentException if {@code replicas < 1}, the skews do not match, or a step
     *     names a replica out of range
     */
    public History {
        if (replicas < 1) {
            throw new IllegalArgumentException("at least one replica, got " + replicas);
        }
        clockSkewMillis = List.copyOf(clockSkewMillis);
        steps = List.copyOf(steps);
        if (clockSkewMillis.size() != replicas) {
            throw new IllegalArgumentException("one clock skew per replica: " + clockSkewMillis.size() + " for " + replicas);
        }
        for (Step<S> s : steps) {
            Objects.requireNonNull(s, "step");
            int[] rs = s instanceof Step.Mutate<S> m ? new int[] {m.replica()}
                    : s instanceof Step.Deliver<S> d ? new int[] {d.replica()}
                    : s instanceof Step.Duplicate<S> d ? new int[] {d.replica()}
                    : s instanceof Step.Drop<S> d ? new int[] {d.replica()}
                    : s instanceof Step.Sync<S> y ? new int[] {y.from(), y.to()} : new int[0];
            for (int r : rs) {
                if (r < 0 || r >= replicas) {
                    throw new IllegalArgumentException("step " + s + " names replica " + r + " of " + replicas);
                }
            }
        }
    }

    /** A history without clock skew. */
    public static <S extends ReplicatedData<S>> History<S> of(int replicas, List<Step<S>> steps) {
        return new History<>(replicas, java.util.Collections.nCopies(replicas, 0L), steps);
    }

    @Override
    public String toString() {
        return "History[" + replicas + " replicas, skews " + clockSkewMillis + ", " + steps.size() + " steps: " + steps + "]";
    }
}
