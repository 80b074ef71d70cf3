package io.converge.crdt;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import io.converge.crdt.internal.Digests;
import java.util.Arrays;
import java.util.HashMap;
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
 * <p><b>Bound:</b> each replica's increments and decrements are each at most
 * {@link VersionVector#MAX_COUNTER} (2<sup>62</sup>): {@link #increment} and {@link #decrement}
 * refuse to go beyond it, and decoders refuse a state beyond it, so no state received from a peer
 * can make a later update overflow. The value over several replicas may leave a {@code long}:
 * {@link #bigValue()} reads it.
 *
 * <p><b>Cost:</b> two {@code long}s per replica, kept in two aligned arrays (replica ids sorted;
 * increments and decrements interleaved), so a join is one pass and one allocation, free when one
 * side dominates, and between counters that name the same replicas shares the id array. A mutator's delta carries
 * one replica's entry and joining it costs one search and one array copy.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class PNCounter implements ReplicatedData<PNCounter> {
    private static final PNCounter EMPTY = new PNCounter(new ReplicaId[0], new long[0]);

    // Sorted by replica; counts[2i] increments and counts[2i+1] decrements of ids[i]; no replica
    // whose counts are both zero.
    private final ReplicaId[] ids;
    private final long[] counts;

    private PNCounter(ReplicaId[] ids, long[] counts) {
        this.ids = ids;
        this.counts = counts;
    }

    /** The counter at zero (bottom). */
    public static PNCounter empty() {
        return EMPTY;
    }

    /** A counter with the given per-replica increment and decrement totals (for decoding and tests). */
    public static PNCounter of(Map<ReplicaId, Long> increments, Map<ReplicaId, Long> decrements) {
        VersionVector pv = VersionVector.of(increments);
        VersionVector nv = VersionVector.of(decrements);
        java.util.TreeSet<ReplicaId> all = new java.util.TreeSet<>(pv.toMap().keySet());
        all.addAll(nv.toMap().keySet());
        ReplicaId[] ids = all.toArray(new ReplicaId[0]);
        long[] c = new long[2 * ids.length];
        for (int i = 0; i < ids.length; i++) {
            c[2 * i] = pv.get(ids[i]);
            c[2 * i + 1] = nv.get(ids[i]);
        }
        return ids.length == 0 ? EMPTY : new PNCounter(ids, c);
    }

    private int indexOf(ReplicaId id) {
        return ReplicaId.indexIn(ids, id);
    }

    /**
     * The delta of adding {@code amount} on {@code replica}.
     *
     * @throws IllegalArgumentException if {@code amount < 1}
     * @throws CounterOverflowException if this replica's increments would pass {@link VersionVector#MAX_COUNTER}
     */
    public PNCounter increment(ReplicaId replica, long amount) {
        return delta(replica, amount, true);
    }

    /**
     * The delta of subtracting {@code amount} on {@code replica}.
     *
     * @throws IllegalArgumentException if {@code amount < 1}
     * @throws CounterOverflowException if this replica's decrements would pass {@link VersionVector#MAX_COUNTER}
     */
    public PNCounter decrement(ReplicaId replica, long amount) {
        return delta(replica, amount, false);
    }

    private PNCounter delta(ReplicaId replica, long amount, boolean up) {
        Objects.requireNonNull(replica, "replica");
        if (amount < 1) {
            throw new IllegalArgumentException("amount must be at least 1, got " + amount);
        }
        int i = indexOf(replica);
        long oldP = i >= 0 ? counts[2 * i] : 0;
        long oldN = i >= 0 ? counts[2 * i + 1] : 0;
        // This replica's own total is checked here; a sum over all replicas that overflows is
        // reported by value(), which is O(r) and not worth paying on every update.
        long[] counts = up ? new long[] {Bounds.add(oldP, amount, replica, "increments"), 0}
                : new long[] {0, Bounds.add(oldN, amount, replica, "decrements")};
        return new PNCounter(new ReplicaId[] {replica}, counts);
    }

    /**
     * All increments minus all decrements, exactly, whatever their size: each replica may count up
     * to {@link VersionVector#MAX_COUNTER} each way, so a converged value can leave the range of a
     * {@code long}, and stays readable.
     */
    public java.math.BigInteger bigValue() {
        java.math.BigInteger v = java.math.BigInteger.ZERO;
        for (int i = 0; i < counts.length; i += 2) {
            v = v.add(java.math.BigInteger.valueOf(counts[i])).subtract(java.math.BigInteger.valueOf(counts[i + 1]));
        }
        return v;
    }

    /**
     * All increments minus all decrements.
     *
     * @throws CounterOverflowException if the value leaves the range of {@code long} ({@link #bigValue()}
     *     reads it then); sums that overflow on the way but end in range are exact
     */
    public long value() {
        try {
            long up = 0;
            long down = 0;
            for (int i = 0; i < counts.length; i += 2) {
                up = Math.addExact(up, counts[i]);
                down = Math.addExact(down, counts[i + 1]);
            }
            return Math.subtractExact(up, down);
        } catch (ArithmeticException e) {
            java.math.BigInteger v = bigValue();
            if (v.bitLength() < Long.SIZE) {
                return v.longValue();
            }
            throw new CounterOverflowException("counter value " + v + " overflows a long: read bigValue()");
        }
    }

    /** Per-replica increment totals. */
    public VersionVector increments() {
        return vector(0);
    }

    /** Per-replica decrement totals. */
    public VersionVector decrements() {
        return vector(1);
    }

    private VersionVector vector(int which) {
        Map<ReplicaId, Long> m = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (counts[2 * i + which] != 0) {
                m.put(ids[i], counts[2 * i + which]);
            }
        }
        return VersionVector.of(m);
    }

    @Override
    public PNCounter join(PNCounter other) {
        Objects.requireNonNull(other, "other");
        if (other == this) {
            return this;
        }
        if (ids == other.ids || Arrays.equals(ids, other.ids)) {
            return joinAligned(other);
        }
        if (other.ids.length == 1) {
            return joinOne(other);
        }
        if (ids.length == 1) {
            PNCounter r = other.joinOne(this);
            return r == other && equals(other) ? this : r;
        }
        int a = ids.length;
        int b = other.ids.length;
        ReplicaId[] rid = new ReplicaId[a + b];
        long[] rc = new long[2 * (a + b)];
        boolean thisDominates = true;
        boolean otherDominates = true;
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a || j < b) {
            int c = i == a ? 1 : j == b ? -1 : ids[i].compareTo(other.ids[j]);
            if (c < 0) {
                otherDominates = false;
                rid[k] = ids[i];
                rc[2 * k] = counts[2 * i];
                rc[2 * k + 1] = counts[2 * i + 1];
                k++;
                i++;
            } else if (c > 0) {
                thisDominates = false;
                rid[k] = other.ids[j];
                rc[2 * k] = other.counts[2 * j];
                rc[2 * k + 1] = other.counts[2 * j + 1];
                k++;
                j++;
            } else {
                long x = counts[2 * i];
                long y = other.counts[2 * j];
                long u = counts[2 * i + 1];
                long v = other.counts[2 * j + 1];
                thisDominates &= x >= y && u >= v;
                otherDominates &= y >= x && v >= u;
                rid[k] = ids[i];
                rc[2 * k] = Math.max(x, y);
                rc[2 * k + 1] = Math.max(u, v);
                k++;
                i++;
                j++;
            }
        }
        if (thisDominates) {
            return this;
        }
        if (otherDominates) {
            return other;
        }
        return new PNCounter(Arrays.copyOf(rid, k), Arrays.copyOf(rc, 2 * k));
    }

    /** Joins a one-replica counter (a delta): one search, at most one array copied. */
    private PNCounter joinOne(PNCounter one) {
        ReplicaId id = one.ids[0];
        int i = indexOf(id);
        if (i >= 0) {
            long x = Math.max(counts[2 * i], one.counts[0]);
            long u = Math.max(counts[2 * i + 1], one.counts[1]);
            if (x == counts[2 * i] && u == counts[2 * i + 1]) {
                return this;
            }
            long[] rc = counts.clone();
            rc[2 * i] = x;
            rc[2 * i + 1] = u;
            return new PNCounter(ids, rc);
        }
        int at = -i - 1;
        ReplicaId[] rid = new ReplicaId[ids.length + 1];
        long[] rc = new long[counts.length + 2];
        System.arraycopy(ids, 0, rid, 0, at);
        System.arraycopy(counts, 0, rc, 0, 2 * at);
        rid[at] = id;
        rc[2 * at] = one.counts[0];
        rc[2 * at + 1] = one.counts[1];
        System.arraycopy(ids, at, rid, at + 1, ids.length - at);
        System.arraycopy(counts, 2 * at, rc, 2 * at + 2, counts.length - 2 * at);
        return new PNCounter(rid, rc);
    }

    /** Both name the same replicas (the usual case): one pass, the id array shared. */
    private PNCounter joinAligned(PNCounter other) {
        long[] a = counts;
        long[] b = other.counts;
        boolean thisDominates = true;
        boolean otherDominates = true;
        for (int i = 0; i < a.length; i++) {
            thisDominates &= a[i] >= b[i];
            otherDominates &= b[i] >= a[i];
        }
        if (thisDominates) {
            return this;
        }
        if (otherDominates) {
            return other;
        }
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = Math.max(a[i], b[i]);
        }
        return new PNCounter(ids, r);
    }

    @Override
    public PNCounter bottom() {
        return EMPTY;
    }

    @Override
    public boolean isBottom() {
        return ids.length == 0;
    }

    @Override
    public boolean isLessOrEqual(PNCounter other) {
        for (int i = 0; i < ids.length; i++) {
            int j = other.indexOf(ids[i]);
            long op = j >= 0 ? other.counts[2 * j] : 0;
            long on = j >= 0 ? other.counts[2 * j + 1] : 0;
            if (counts[2 * i] > op || counts[2 * i + 1] > on) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PNCounter c && Arrays.equals(c.ids, ids) && Arrays.equals(c.counts, counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids) * 31 + Arrays.hashCode(counts);
    }

    @Override
    public long digest() {
        long h = 0x9C7;
        for (int i = 0; i < ids.length; i++) {
            h += Digests.pair(Digests.pair(Digests.of(ids[i]), counts[2 * i]), counts[2 * i + 1] ^ 0x5EEDL);
        }
        return Digests.mix(h);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PNCounter[");
        for (int i = 0; i < Math.min(ids.length, 16); i++) {
            sb.append(i == 0 ? "" : ", ").append(ids[i]).append("=+").append(counts[2 * i]).append("/-").append(counts[2 * i + 1]);
        }
        if (ids.length > 16) {
            sb.append(", … ").append(ids.length - 16).append(" more");
        }
        return sb.append(']').toString();
    }
}
