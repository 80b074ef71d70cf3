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
 * <p><b>Cost:</b> two {@code long}s per replica, kept in three aligned arrays (replica ids sorted,
 * increments, decrements), so a join is one pass, allocation-free when one side dominates, and
 * between counters that name the same replicas shares the id array. A mutator's delta carries
 * one replica's entry and joining it costs one search and one array copy.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class PNCounter implements ReplicatedData<PNCounter> {
    private static final PNCounter EMPTY = new PNCounter(new ReplicaId[0], new long[0], new long[0]);

    // Sorted by replica; no index where both counts are zero.
    private final ReplicaId[] ids;
    private final long[] p;
    private final long[] n;

    private PNCounter(ReplicaId[] ids, long[] p, long[] n) {
        this.ids = ids;
        this.p = p;
        this.n = n;
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
        long[] p = new long[ids.length];
        long[] n = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            p[i] = pv.get(ids[i]);
            n[i] = nv.get(ids[i]);
        }
        return ids.length == 0 ? EMPTY : new PNCounter(ids, p, n);
    }

    private int indexOf(ReplicaId id) {
        int lo = 0;
        int hi = ids.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = ids[mid] == id ? 0 : ids[mid].compareTo(id);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    /**
     * The delta of adding {@code amount} on {@code replica}.
     *
     * @throws IllegalArgumentException if {@code amount < 1}
     * @throws CounterOverflowException if this replica's total would overflow
     */
    public PNCounter increment(ReplicaId replica, long amount) {
        return delta(replica, amount, true);
    }

    /**
     * The delta of subtracting {@code amount} on {@code replica}.
     *
     * @throws IllegalArgumentException if {@code amount < 1}
     * @throws CounterOverflowException if this replica's total would overflow
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
        long oldP = i >= 0 ? p[i] : 0;
        long oldN = i >= 0 ? n[i] : 0;
        // This replica's own total is checked here; a sum over all replicas that overflows is
        // reported by value(), which is O(r) and not worth paying on every update.
        try {
            return up ? new PNCounter(new ReplicaId[] {replica}, new long[] {Math.addExact(oldP, amount)}, new long[] {0})
                    : new PNCounter(new ReplicaId[] {replica}, new long[] {0}, new long[] {Math.addExact(oldN, amount)});
        } catch (ArithmeticException e) {
            throw new CounterOverflowException("the total of " + replica + " overflows a long");
        }
    }

    /**
     * All increments minus all decrements.
     *
     * @throws CounterOverflowException if the result leaves the range of {@code long}
     */
    public long value() {
        try {
            long up = 0;
            long down = 0;
            for (int i = 0; i < ids.length; i++) {
                up = Math.addExact(up, p[i]);
                down = Math.addExact(down, n[i]);
            }
            return Math.subtractExact(up, down);
        } catch (ArithmeticException e) {
            throw new CounterOverflowException("counter value overflows a long");
        }
    }

    /** Per-replica increment totals. */
    public VersionVector increments() {
        return vector(p);
    }

    /** Per-replica decrement totals. */
    public VersionVector decrements() {
        return vector(n);
    }

    private VersionVector vector(long[] counts) {
        Map<ReplicaId, Long> m = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (counts[i] != 0) {
                m.put(ids[i], counts[i]);
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
        long[] rp = new long[a + b];
        long[] rn = new long[a + b];
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
                rp[k] = p[i];
                rn[k++] = n[i++];
            } else if (c > 0) {
                thisDominates = false;
                rid[k] = other.ids[j];
                rp[k] = other.p[j];
                rn[k++] = other.n[j++];
            } else {
                long x = p[i];
                long y = other.p[j];
                long u = n[i];
                long v = other.n[j];
                thisDominates &= x >= y && u >= v;
                otherDominates &= y >= x && v >= u;
                rid[k] = ids[i];
                rp[k] = Math.max(x, y);
                rn[k++] = Math.max(u, v);
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
        return new PNCounter(Arrays.copyOf(rid, k), Arrays.copyOf(rp, k), Arrays.copyOf(rn, k));
    }

    /** Joins a one-replica counter (a delta): one search, at most one array copied. */
    private PNCounter joinOne(PNCounter one) {
        ReplicaId id = one.ids[0];
        int i = indexOf(id);
        if (i >= 0) {
            long x = Math.max(p[i], one.p[0]);
            long u = Math.max(n[i], one.n[0]);
            if (x == p[i] && u == n[i]) {
                return this;
            }
            long[] rp = x == p[i] ? p : p.clone();
            long[] rn = u == n[i] ? n : n.clone();
            rp[i] = x;
            rn[i] = u;
            return new PNCounter(ids, rp, rn);
        }
        int at = -i - 1;
        ReplicaId[] rid = new ReplicaId[ids.length + 1];
        long[] rp = new long[ids.length + 1];
        long[] rn = new long[ids.length + 1];
        System.arraycopy(ids, 0, rid, 0, at);
        System.arraycopy(p, 0, rp, 0, at);
        System.arraycopy(n, 0, rn, 0, at);
        rid[at] = id;
        rp[at] = one.p[0];
        rn[at] = one.n[0];
        System.arraycopy(ids, at, rid, at + 1, ids.length - at);
        System.arraycopy(p, at, rp, at + 1, ids.length - at);
        System.arraycopy(n, at, rn, at + 1, ids.length - at);
        return new PNCounter(rid, rp, rn);
    }

    /** Both name the same replicas (the usual case): one pass, the id array shared. */
    private PNCounter joinAligned(PNCounter other) {
        boolean thisDominates = true;
        boolean otherDominates = true;
        for (int i = 0; i < ids.length; i++) {
            long x = p[i];
            long y = other.p[i];
            long u = n[i];
            long v = other.n[i];
            thisDominates &= x >= y && u >= v;
            otherDominates &= y >= x && v >= u;
        }
        if (thisDominates) {
            return this;
        }
        if (otherDominates) {
            return other;
        }
        long[] rp = new long[ids.length];
        long[] rn = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            rp[i] = Math.max(p[i], other.p[i]);
            rn[i] = Math.max(n[i], other.n[i]);
        }
        return new PNCounter(ids, rp, rn);
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
            long op = j >= 0 ? other.p[j] : 0;
            long on = j >= 0 ? other.n[j] : 0;
            if (p[i] > op || n[i] > on) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PNCounter c && Arrays.equals(c.ids, ids) && Arrays.equals(c.p, p) && Arrays.equals(c.n, n);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(ids) * 31 + Arrays.hashCode(p)) * 31 + Arrays.hashCode(n);
    }

    @Override
    public long digest() {
        long h = 0x9C7;
        for (int i = 0; i < ids.length; i++) {
            h += Digests.pair(Digests.pair(Digests.of(ids[i]), p[i]), n[i] ^ 0x5EEDL);
        }
        return Digests.mix(h);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PNCounter[");
        for (int i = 0; i < Math.min(ids.length, 16); i++) {
            sb.append(i == 0 ? "" : ", ").append(ids[i]).append("=+").append(p[i]).append("/-").append(n[i]);
        }
        if (ids.length > 16) {
            sb.append(", … ").append(ids.length - 16).append(" more");
        }
        return sb.append(']').toString();
    }
}
