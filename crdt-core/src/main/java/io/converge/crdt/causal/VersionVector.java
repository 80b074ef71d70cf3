package io.converge.crdt.causal;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ObjLongConsumer;

/**
 * A version vector: for each replica, how many of its events are covered ({@code 1..n}).
 *
 * <p>Stored as two sorted parallel arrays (ids, counters) without zero entries, so the canonical
 * form of equal vectors is identical, a lookup is a binary search over the (few) replicas and a
 * merge is one linear pass. {@link #merge} returns one of its arguments when it already dominates
 * the other, so joining an up-to-date vector allocates nothing.
 *
 * <p>Immutable and safe to share between threads. Join ({@link #merge}) is O(r₁ + r₂) for r
 * replicas.
 */
public final class VersionVector {
    /**
     * The largest value any one replica's entry may reach in a replicated state: a dot counter, a
     * version-vector or context entry, a counter's per-replica total (increments and decrements
     * each). 2<sup>62</sup>, so a sum or a next dot of entries in range never overflows a
     * {@code long} on the way. Decoders refuse a larger entry (a typed limit error, so no peer can
     * hand this replica a state whose next add or increment overflows), encoders refuse to write
     * one, and mutators refuse an update that would go beyond it. A replica reaches it only
     * after 2<sup>62</sup> updates of its own.
     */
    public static final long MAX_COUNTER = 1L << 62;

    private static final VersionVector EMPTY = new VersionVector(new ReplicaId[0], new long[0]);

    final ReplicaId[] ids;
    final long[] counters;

    VersionVector(ReplicaId[] ids, long[] counters) {
        this.ids = ids;
        this.counters = counters;
    }

    /** The vector that covers nothing. */
    public static VersionVector empty() {
        return EMPTY;
    }

    /**
     * Builds a vector from a map; zero entries are dropped.
     *
     * @throws IllegalArgumentException on a negative counter
     */
    public static VersionVector of(Map<ReplicaId, Long> entries) {
        Objects.requireNonNull(entries, "entries");
        TreeMap<ReplicaId, Long> sorted = new TreeMap<>();
        for (Map.Entry<ReplicaId, Long> e : entries.entrySet()) {
            long v = Objects.requireNonNull(e.getValue(), "counter");
            if (v < 0) {
                throw new IllegalArgumentException("negative counter " + v + " for " + e.getKey());
            }
            if (v > 0) {
                sorted.put(Objects.requireNonNull(e.getKey(), "replica"), v);
            }
        }
        ReplicaId[] ids = sorted.keySet().toArray(new ReplicaId[0]);
        long[] cs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            cs[i] = sorted.get(ids[i]);
        }
        return ids.length == 0 ? EMPTY : new VersionVector(ids, cs);
    }

    /** The counter of {@code replica}, 0 when absent. */
    public long get(ReplicaId replica) {
        int i = ReplicaId.indexIn(ids, replica);
        return i >= 0 ? counters[i] : 0;
    }

    /** Whether the vector covers {@code dot}. */
    public boolean contains(Dot dot) {
        return get(dot.replica()) >= dot.counter();
    }

    /** Number of replicas with a non-zero counter. */
    public int size() {
        return ids.length;
    }

    /** Whether every counter is zero. */
    public boolean isEmpty() {
        return ids.length == 0;
    }

    /** This vector with {@code replica}'s counter raised to at least {@code counter}. */
    public VersionVector with(ReplicaId replica, long counter) {
        Objects.requireNonNull(replica, "replica");
        if (counter < 0) {
            throw new IllegalArgumentException("negative counter " + counter);
        }
        int i = ReplicaId.indexIn(ids, replica);
        if (i >= 0) {
            if (counters[i] >= counter) {
                return this;
            }
            long[] cs = counters.clone();
            cs[i] = counter;
            return new VersionVector(ids, cs);
        }
        if (counter == 0) {
            return this;
        }
        int at = -i - 1;
        ReplicaId[] nids = new ReplicaId[ids.length + 1];
        long[] ncs = new long[ids.length + 1];
        System.arraycopy(ids, 0, nids, 0, at);
        System.arraycopy(counters, 0, ncs, 0, at);
        nids[at] = replica;
        ncs[at] = counter;
        System.arraycopy(ids, at, nids, at + 1, ids.length - at);
        System.arraycopy(counters, at, ncs, at + 1, ids.length - at);
        return new VersionVector(nids, ncs);
    }

    /** This vector with {@code replica}'s counter increased by one. */
    public VersionVector increment(ReplicaId replica) {
        return with(replica, Math.addExact(get(replica), 1));
    }

    /** The pointwise maximum (the join). Returns {@code this} or {@code other} when one dominates. */
    public VersionVector merge(VersionVector other) {
        Objects.requireNonNull(other, "other");
        int n = ids.length;
        int m = other.ids.length;
        if (n == m && sameIds(ids, other.ids)) {
            return mergeAligned(other);
        }
        if (m == 1) {
            // A one-entry vector (a counter's delta): one search and, at most, one copy.
            return with(other.ids[0], other.counters[0]);
        }
        if (n == 1) {
            VersionVector r = other.with(ids[0], counters[0]);
            return r.equals(this) ? this : r;
        }
        ReplicaId[] rids = new ReplicaId[n + m];
        long[] rcs = new long[n + m];
        boolean thisDominates = true;
        boolean otherDominates = true;
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < n || j < m) {
            int c = i == n ? 1 : j == m ? -1 : ids[i].compareTo(other.ids[j]);
            if (c < 0) {
                otherDominates = false;
                rids[k] = ids[i];
                rcs[k++] = counters[i++];
            } else if (c > 0) {
                thisDominates = false;
                rids[k] = other.ids[j];
                rcs[k++] = other.counters[j++];
            } else {
                long a = counters[i];
                long b = other.counters[j];
                if (a < b) {
                    thisDominates = false;
                } else if (b < a) {
                    otherDominates = false;
                }
                rids[k] = ids[i];
                rcs[k++] = Math.max(a, b);
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
        return new VersionVector(Arrays.copyOf(rids, k), Arrays.copyOf(rcs, k));
    }

    private static boolean sameIds(ReplicaId[] a, ReplicaId[] b) {
        if (a == b) {
            return true;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i] && !a[i].equals(b[i])) {
                return false;
            }
        }
        return true;
    }

    /** Both vectors name the same replicas (the usual case): merge counters, share the id array. */
    private VersionVector mergeAligned(VersionVector other) {
        long[] a = counters;
        long[] b = other.counters;
        boolean thisDominates = true;
        boolean otherDominates = true;
        for (int i = 0; i < a.length; i++) {
            if (a[i] < b[i]) {
                thisDominates = false;
            } else if (b[i] < a[i]) {
                otherDominates = false;
            }
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
        return new VersionVector(ids, r);
    }

    /** Whether every counter of this vector is at most the matching counter of {@code other}. */
    public boolean isLessOrEqual(VersionVector other) {
        Objects.requireNonNull(other, "other");
        int j = 0;
        for (int i = 0; i < ids.length; i++) {
            while (j < other.ids.length && other.ids[j].compareTo(ids[i]) < 0) {
                j++;
            }
            if (j == other.ids.length || !other.ids[j].equals(ids[i]) || other.counters[j] < counters[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether neither vector is less than or equal to the other: the histories are concurrent. */
    public boolean isConcurrentWith(VersionVector other) {
        return !isLessOrEqual(other) && !other.isLessOrEqual(this);
    }

    /** Sum of all counters, or an {@link ArithmeticException} when it overflows. */
    public long sum() {
        long s = 0;
        for (long c : counters) {
            s = Math.addExact(s, c);
        }
        return s;
    }

    /** Calls {@code action} for each non-zero entry in replica order. */
    public void forEach(ObjLongConsumer<ReplicaId> action) {
        for (int i = 0; i < ids.length; i++) {
            action.accept(ids[i], counters[i]);
        }
    }

    /** The entries as an unmodifiable sorted map. */
    public Map<ReplicaId, Long> toMap() {
        TreeMap<ReplicaId, Long> m = new TreeMap<>();
        forEach(m::put);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionVector v && Arrays.equals(ids, v.ids) && Arrays.equals(counters, v.counters);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(counters);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            if (i == 16) {
                sb.append("… ").append(ids.length - 16).append(" more");
                break;
            }
            sb.append(ids[i]).append('=').append(counters[i]);
        }
        return sb.append('}').toString();
    }
}
