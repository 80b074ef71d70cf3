package io.converge.crdt.causal;

import java.util.Objects;

/**
 * The unique name of one event: the {@code counter}-th event minted by {@code replica}.
 *
 * <p>Dots are minted by {@link CausalContext#nextDot(ReplicaId)} and never reused. Ordered by
 * replica, then counter. Immutable.
 *
 * <p>A replica mints at most {@link VersionVector#MAX_COUNTER} (2<sup>62</sup>) dots: the codecs
 * refuse a larger counter and {@code nextDot} refuses to mint one, so a state received from a
 * peer cannot make the next dot overflow.
 *
 * @param replica the replica that minted the dot
 * @param counter its sequence number at that replica, at least 1
 */
public record Dot(ReplicaId replica, long counter) implements Comparable<Dot> {
    /**
     * @throws NullPointerException if {@code replica} is null
     * @throws IllegalArgumentException if {@code counter < 1}
     */
    public Dot {
        Objects.requireNonNull(replica, "replica");
        if (counter < 1) {
            throw new IllegalArgumentException("dot counter must be at least 1, got " + counter);
        }
    }

    /** Shorthand for {@code new Dot(ReplicaId.of(replica), counter)}. */
    public static Dot of(String replica, long counter) {
        return new Dot(ReplicaId.of(replica), counter);
    }

    @Override
    public int compareTo(Dot o) {
        int c = replica.compareTo(o.replica);
        return c != 0 ? c : Long.compare(counter, o.counter);
    }

    @Override
    public String toString() {
        return "(" + replica + "," + counter + ")";
    }
}
