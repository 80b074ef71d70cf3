package io.converge.crdt;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import java.util.Map;
import java.util.Objects;

/**
 * A counter that goes up and down: a pair of grow-only counts per replica, increments
 * {@code P} and decrements {@code N}; the value is {@code ΣP − ΣN}.
 *
 * <p><b>Concurrent operations:</b> every increment and decrement counts exactly once, whatever
 * the order or duplication of delivery: the value is always (all increments) − (all
 * decrements). It is not a register: "set to 0" cannot be expressed (use a register, or an
 * {@link ORMap} of {@link CausalCounter}s whose key removal resets).
 *
 * <p><b>Cost:</b> two {@code long}s per replica. Join is O(r₁ + r₂), allocation-free when one
 * side dominates; a mutator's delta carries one replica's entry.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class PNCounter implements ReplicatedData<PNCounter> {
    private static final PNCounter EMPTY = new PNCounter(VersionVector.empty(), VersionVector.empty());

    private final VersionVector increments;
    private final VersionVector decrements;

    private PNCounter(VersionVector increments, VersionVector decrements) {
        this.increments = increments;
        this.decrements = decrements;
    }

    /** The counter at zero (bottom). */
    public static PNCounter empty() {
        return EMPTY;
    }

    /** A counter with the given per-replica increment and decrement totals (for decoding and tests). */
    public static PNCounter of(Map<ReplicaId, Long> increments, Map<ReplicaId, Long> decrements) {
        return new PNCounter(VersionVector.of(increments), VersionVector.of(decrements));
    }

    /**
     * The delta of adding {@code amount} on {@code replica}.
     *
     * @throws IllegalArgumentException if {@code amount < 1}
     * @throws CounterOverflowException if a total would overflow
     */
    public PNCounter increment(ReplicaId replica, long amount) {
        Objects.requireNonNull(replica, "replica");
        checkAmount(amount);
        long p = checkedAdd(increments.get(replica), amount);
        checkedAdd(checkedSum(increments), amount);
        return new PNCounter(VersionVector.empty().with(replica, p), VersionVector.empty());
    }

    /**
     * The delta of subtracting {@code amount} on {@code replica}.
     *
     * @throws IllegalArgumentException if {@code amount < 1}
     * @throws CounterOverflowException if a total would overflow
     */
    public PNCounter decrement(ReplicaId replica, long amount) {
        Objects.requireNonNull(replica, "replica");
        checkAmount(amount);
        long n = checkedAdd(decrements.get(replica), amount);
        checkedAdd(checkedSum(decrements), amount);
        return new PNCounter(VersionVector.empty(), VersionVector.empty().with(replica, n));
    }

    private static void checkAmount(long amount) {
        if (amount < 1) {
            throw new IllegalArgumentException("amount must be at least 1, got " + amount);
        }
    }

    private static long checkedAdd(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new CounterOverflowException(a + " + " + b + " overflows a long");
        }
    }

    private static long checkedSum(VersionVector v) {
        try {
            return v.sum();
        } catch (ArithmeticException e) {
            throw new CounterOverflowException("counter total overflows a long: " + v);
        }
    }

    /**
     * All increments minus all decrements.
     *
     * @throws CounterOverflowException if the result leaves the range of {@code long}
     */
    public long value() {
        try {
            return Math.subtractExact(checkedSum(increments), checkedSum(decrements));
        } catch (ArithmeticException e) {
            throw new CounterOverflowException("counter value overflows a long");
        }
    }

    /** Per-replica increment totals. */
    public VersionVector increments() {
        return increments;
    }

    /** Per-replica decrement totals. */
    public VersionVector decrements() {
        return decrements;
    }

    @Override
    public PNCounter join(PNCounter other) {
        Objects.requireNonNull(other, "other");
        VersionVector p = increments.merge(other.increments);
        VersionVector n = decrements.merge(other.decrements);
        if (p == increments && n == decrements) {
            return this;
        }
        if (p == other.increments && n == other.decrements) {
            return other;
        }
        return new PNCounter(p, n);
    }

    @Override
    public PNCounter bottom() {
        return EMPTY;
    }

    @Override
    public boolean isBottom() {
        return increments.isEmpty() && decrements.isEmpty();
    }

    @Override
    public boolean isLessOrEqual(PNCounter other) {
        return increments.isLessOrEqual(other.increments) && decrements.isLessOrEqual(other.decrements);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PNCounter c && c.increments.equals(increments) && c.decrements.equals(decrements);
    }

    @Override
    public int hashCode() {
        return 31 * increments.hashCode() + decrements.hashCode();
    }

    @Override
    public long digest() {
        return io.converge.crdt.internal.Digests.pair(increments.digest(), decrements.digest());
    }

    @Override
    public String toString() {
        return "PNCounter[P=" + increments + ", N=" + decrements + "]";
    }
}
