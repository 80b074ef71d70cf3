package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.internal.DotEntries;
import io.converge.crdt.internal.Tagged;
import java.util.Objects;

/**
 * A counter that can live inside an {@link ORMap} and be reset by removing its key (the
 * reference {@code CausalCounter} of Baquero's delta-enabled-crdts; crdt.md §3).
 *
 * <p>Each replica keeps one dot mapped to its running contribution (increments and decrements);
 * an update replaces that dot by a fresh one carrying the new totals. Removing the key in an
 * {@code ORMap} covers the dots observed, so it resets the counter.
 *
 * <p><b>Concurrent operations:</b> increments and decrements on different replicas all count.
 * An update concurrent with a reset survives the reset, and brings back that replica's
 * <em>whole running contribution</em>, not only the concurrent increment: A adds 3, B sees it and
 * removes the key while A adds 2: the key reads 5, not 2 (Riak's embedded map counters behave the
 * same). Keeping only the concurrent effect would need a dot per increment. Outside a map, use
 * {@link PNCounter}, which is smaller.
 *
 * <p><b>Bound:</b> each replica's running increments and decrements, and its dot counter, are
 * each at most {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER} (2<sup>62</sup>):
 * {@link #increment} and {@link #decrement} refuse to go beyond it, and decoders refuse a state
 * beyond it, so no state received from a peer can make a later update overflow. The value over
 * several replicas may leave a {@code long}: {@link #bigValue()} reads it.
 *
 * <p><b>Cost:</b> one entry per replica that updated it since the last reset; join O(e + r).
 *
 * <p>Immutable and safe to share between threads.
 */
public final class CausalCounter extends SingleStoreBase<CausalCounter> implements CausalCrdt<CausalCounter> {
    private static final CausalCounter EMPTY = new CausalCounter(null, CausalContext.empty());

    /** One replica's running totals. */
    record Totals(long up, long down) {
    }

    private CausalCounter(Object store, CausalContext context) {
        super(store, context);
    }

    /** The counter at zero (bottom). */
    public static CausalCounter empty() {
        return EMPTY;
    }

    @Override
    CausalCounter make(Object store, CausalContext context) {
        return store == null && context.isEmpty() ? EMPTY : new CausalCounter(store, context);
    }

    /**
     * The delta of adding {@code amount} on {@code replica}.
     *
     * @throws IllegalArgumentException if {@code amount < 1}
     * @throws CounterOverflowException if the replica's increments or its dot counter would pass
     *     {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}
     */
    public CausalCounter increment(ReplicaId replica, long amount) {
        return update(replica, amount, true);
    }

    /**
     * The delta of subtracting {@code amount} on {@code replica}.
     *
     * @throws IllegalArgumentException if {@code amount < 1}
     * @throws CounterOverflowException if the replica's decrements or its dot counter would pass
     *     {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}
     */
    public CausalCounter decrement(ReplicaId replica, long amount) {
        return update(replica, amount, false);
    }

    private CausalCounter update(ReplicaId replica, long amount, boolean up) {
        Objects.requireNonNull(replica, "replica");
        if (amount < 1) {
            throw new IllegalArgumentException("amount must be at least 1, got " + amount);
        }
        Tagged mine = null;
        int n = DotEntries.count(store);
        for (int i = 0; i < n; i++) {
            Tagged t = (Tagged) DotEntries.get(store, i);
            if (t.replica.equals(replica) && (mine == null || t.counter > mine.counter)) {
                mine = t;
            }
        }
        Totals old = mine == null ? new Totals(0, 0) : (Totals) mine.value;
        Totals next = up ? new Totals(Bounds.add(old.up(), amount, replica, "increments"), old.down())
                : new Totals(old.up(), Bounds.add(old.down(), amount, replica, "decrements"));
        var d = Bounds.nextDot(context, replica);
        CausalContext.Builder b = CausalContext.builder().add(d);
        if (mine != null) {
            b.add(mine.replica, mine.counter);
        }
        return make(new Tagged(d, 0, next), b.build());
    }

    /** The delta of resetting the counter to zero (cancels the contributions observed here). */
    public CausalCounter reset() {
        return clearDelta();
    }

    /**
     * All live contributions, increments minus decrements, exactly, whatever their size: a
     * converged value may leave the range of a {@code long}, and stays readable.
     */
    public java.math.BigInteger bigValue() {
        java.math.BigInteger v = java.math.BigInteger.ZERO;
        int n = DotEntries.count(store);
        for (int i = 0; i < n; i++) {
            Totals t = (Totals) ((Tagged) DotEntries.get(store, i)).value;
            v = v.add(java.math.BigInteger.valueOf(t.up())).subtract(java.math.BigInteger.valueOf(t.down()));
        }
        return v;
    }

    /**
     * The value.
     *
     * @throws CounterOverflowException if it leaves the range of {@code long} ({@link #bigValue()}
     *     reads it then)
     */
    public long value() {
        long v = 0;
        int n = DotEntries.count(store);
        try {
            for (int i = 0; i < n; i++) {
                Totals t = (Totals) ((Tagged) DotEntries.get(store, i)).value;
                v = Math.addExact(v, Math.subtractExact(t.up(), t.down()));
            }
        } catch (ArithmeticException e) {
            java.math.BigInteger big = bigValue();
            if (big.bitLength() < Long.SIZE) {
                return big.longValue();
            }
            throw new CounterOverflowException("counter value " + big + " overflows a long: read bigValue()");
        }
        return v;
    }

    @Override
    public CausalCounter bottom() {
        return EMPTY;
    }
}
