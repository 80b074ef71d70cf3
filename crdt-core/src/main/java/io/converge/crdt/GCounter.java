package io.converge.crdt;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import java.util.Map;
import java.util.Objects;

/**
 * A grow-only counter: each replica counts its own increments; the value is the sum.
 *
 * <p><b>Concurrent operations:</b> increments commute, so concurrent increments all count; the
 * join takes each replica's highest count. Nothing can be subtracted; use {@link PNCounter} for
 * that. A counter is not a register: setting it to a value cannot be expressed, so that
 * concurrent "set to 5" and "set to 7" cannot silently lose one of them.
 *
 * <p><b>Bound:</b> each replica's count is at most {@link VersionVector#MAX_COUNTER} (2<sup>62</sup>):
 * {@link #increment} refuses to go beyond it, and decoders refuse a state beyond it, so no state
 * received from a peer can make a later increment overflow. The total of several replicas may
 * exceed a {@code long}: {@link #bigValue()} reads it.
 *
 * <p><b>Cost:</b> one {@code long} per replica that ever incremented. Join is O(r₁ + r₂) for r
 * replicas (one pass over two sorted arrays, nothing allocated when one side dominates);
 * {@link #increment} is O(log r) and its delta carries one replica's entry.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class GCounter implements ReplicatedData<GCounter> {
    private static final GCounter EMPTY = new GCounter(VersionVector.empty());

    private final VersionVector counts;

    private GCounter(VersionVector counts) {
        this.counts = counts;
    }

    /** The counter at zero (bottom). */
    public static GCounter empty() {
        return EMPTY;
    }

    /** A counter with the given per-replica counts (for decoding and tests). */
    public static GCounter of(Map<ReplicaId, Long> counts) {
        return new GCounter(VersionVector.of(counts));
    }

    /**
     * The delta of adding {@code amount} on {@code replica}: that replica's entry alone, raised.
     *
     * @throws IllegalArgumentException if {@code amount < 1}
     * @throws CounterOverflowException if the replica's own count would pass
     *     {@link VersionVector#MAX_COUNTER} (the total may exceed a {@code long}: {@link #bigValue()}
     *     reads it)
     */
    public GCounter increment(ReplicaId replica, long amount) {
        Objects.requireNonNull(replica, "replica");
        if (amount < 1) {
            throw new IllegalArgumentException("increment must be at least 1, got " + amount);
        }
        return new GCounter(VersionVector.empty().with(replica, Bounds.add(counts.get(replica), amount, replica,
                "count")));
    }

    /**
     * The sum of all replicas' counts, exactly, whatever its size: replicas may each count up to
     * {@link VersionVector#MAX_COUNTER}, so a converged total can exceed a {@code long}, and stays
     * readable.
     */
    public java.math.BigInteger bigValue() {
        java.math.BigInteger[] sum = {java.math.BigInteger.ZERO};
        counts.forEach((r, n) -> sum[0] = sum[0].add(java.math.BigInteger.valueOf(n)));
        return sum[0];
    }

    /**
     * The sum of all replicas' counts.
     *
     * @throws CounterOverflowException if the sum exceeds {@link Long#MAX_VALUE}; {@link #bigValue()}
     *     reads it then
     */
    public long value() {
        try {
            return counts.sum();
        } catch (ArithmeticException e) {
            throw new CounterOverflowException("counter total overflows a long: " + counts);
        }
    }

    /** The count contributed by {@code replica}. */
    public long get(ReplicaId replica) {
        return counts.get(replica);
    }

    /** The per-replica counts. */
    public VersionVector counts() {
        return counts;
    }

    @Override
    public GCounter join(GCounter other) {
        VersionVector m = counts.merge(Objects.requireNonNull(other, "other").counts);
        return m == counts ? this : m == other.counts ? other : new GCounter(m);
    }

    @Override
    public GCounter bottom() {
        return EMPTY;
    }

    @Override
    public boolean isBottom() {
        return counts.isEmpty();
    }

    @Override
    public boolean isLessOrEqual(GCounter other) {
        return counts.isLessOrEqual(other.counts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GCounter g && g.counts.equals(counts);
    }

    @Override
    public int hashCode() {
        return counts.hashCode();
    }

    @Override
    public long digest() {
        return io.converge.crdt.internal.Digests.of(counts);
    }

    @Override
    public String toString() {
        return "GCounter" + counts;
    }
}
