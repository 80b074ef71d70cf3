package io.converge.crdt.causal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The set of dots a state has seen: a compact {@link VersionVector} plus a <em>dot cloud</em> of
 * seen dots that lie beyond a gap (crdt.md §2).
 *
 * <p><b>Invariants</b>, kept by every operation: no cloud dot {@code (i, n)} has
 * {@code n ≤ vv[i] + 1} (such a dot is folded into the vector at once: <em>compaction</em>), and
 * cloud dots are sorted and unique. So two contexts holding the same dots have the same form and
 * are {@link #equals equal}.
 *
 * <p>Why a cloud at all: receiving {@code (a,7)} while {@code vv[a] = 5} must not raise
 * {@code vv[a]} to 7, or a later add tagged {@code (a,6)} would be taken for already seen and
 * silently dropped. Under the engine's causal delivery clouds stay empty; they appear in deltas
 * (an add's context is its new dot plus the dots it overwrites) and under lossy delivery.
 *
 * <p>Immutable and safe to share between threads. {@link #union} is O(r + k) for r replicas and
 * k cloud dots, and returns one of its arguments, without allocating, when that one already
 * contains the other. Lookups are O(log r + log k).
 */
public final class CausalContext {
    private static final ReplicaId[] NO_IDS = new ReplicaId[0];
    private static final long[][] NO_CLOUD = new long[0][];
    private static final CausalContext EMPTY = new CausalContext(VersionVector.empty(), NO_IDS, NO_CLOUD);

    private final VersionVector vv;
    // Sorted by replica; each array sorted ascending, non-empty, every value > vv[id] + 1.
    private final ReplicaId[] cloudIds;
    private final long[][] cloudDots;

    private CausalContext(VersionVector vv, ReplicaId[] cloudIds, long[][] cloudDots) {
        this.vv = vv;
        this.cloudIds = cloudIds;
        this.cloudDots = cloudDots;
    }

    /** The context that has seen nothing. */
    public static CausalContext empty() {
        return EMPTY;
    }

    /** The context that has seen exactly the dots the vector covers. */
    public static CausalContext of(VersionVector vv) {
        Objects.requireNonNull(vv, "vv");
        return vv.isEmpty() ? EMPTY : new CausalContext(vv, NO_IDS, NO_CLOUD);
    }

    /** The context that has seen exactly the given dots, compacted. */
    public static CausalContext ofDots(Iterable<Dot> dots) {
        Objects.requireNonNull(dots, "dots");
        Builder b = builder();
        for (Dot d : dots) {
            b.add(d);
        }
        return b.build();
    }

    /** The context holding exactly {@code dot}, compacted. */
    public static CausalContext ofDot(Dot dot) {
        Objects.requireNonNull(dot, "dot");
        if (dot.counter() == 1) {
            return of(VersionVector.empty().with(dot.replica(), 1));
        }
        return new CausalContext(VersionVector.empty(), new ReplicaId[] {dot.replica()}, new long[][] {{dot.counter()}});
    }

    /** Shorthand for {@link #ofDots(Iterable)}. */
    public static CausalContext ofDots(Dot... dots) {
        return ofDots(Arrays.asList(dots));
    }

    /** A builder that collects dots and ranges and compacts once at the end. */
    public static Builder builder() {
        return new Builder();
    }

    /** The compact part: every dot {@code (i, 1..vv[i])} has been seen. */
    public VersionVector versionVector() {
        return vv;
    }

    /** Whether the cloud is empty, so the whole context is its version vector. */
    public boolean isCompact() {
        return cloudIds.length == 0;
    }

    /** Whether {@code dot} has been seen. */
    public boolean contains(Dot dot) {
        return contains(dot.replica(), dot.counter());
    }

    /** Whether dot {@code (replica, counter)} has been seen. */
    public boolean contains(ReplicaId replica, long counter) {
        if (counter <= vv.get(replica)) {
            return true;
        }
        if (cloudIds.length == 0) {
            return false;
        }
        int i = ReplicaId.indexIn(cloudIds, replica);
        return i >= 0 && Arrays.binarySearch(cloudDots[i], counter) >= 0;
    }

    /** The highest counter of {@code replica} seen, in the vector or the cloud; 0 if none. */
    public long max(ReplicaId replica) {
        long m = vv.get(replica);
        if (cloudIds.length > 0) {
            int i = ReplicaId.indexIn(cloudIds, replica);
            if (i >= 0) {
                long[] c = cloudDots[i];
                m = Math.max(m, c[c.length - 1]);
            }
        }
        return m;
    }

    /**
     * The next dot {@code replica} mints: one above the highest it has seen of its own.
     *
     * @throws ArithmeticException if the counter would pass {@link VersionVector#MAX_COUNTER}
     *     (the data types report it as {@code CounterOverflowException})
     */
    public Dot nextDot(ReplicaId replica) {
        Objects.requireNonNull(replica, "replica");
        long max = max(replica);
        if (max >= VersionVector.MAX_COUNTER) {
            throw new ArithmeticException("the dot counter of " + replica + " would pass the bound of 2^62");
        }
        return new Dot(replica, max + 1);
    }

    /** This context with {@code dot} added, compacted. */
    public CausalContext add(Dot dot) {
        Objects.requireNonNull(dot, "dot");
        if (contains(dot)) {
            return this;
        }
        return union(builder().add(dot).build());
    }

    /**
     * The union of both contexts, compacted. Returns {@code this} or {@code other} (no allocation)
     * when one contains the other and both are compact.
     */
    public CausalContext union(CausalContext other) {
        Objects.requireNonNull(other, "other");
        if (other == this || other == EMPTY) {
            return this;
        }
        if (this == EMPTY) {
            return other;
        }
        if (cloudIds.length == 0 && other.cloudIds.length == 0) {
            VersionVector merged = vv.merge(other.vv);
            return merged == vv ? this : merged == other.vv ? other : new CausalContext(merged, NO_IDS, NO_CLOUD);
        }
        CausalContext r = unionWithClouds(other);
        if (r.equals(this)) {
            return this;
        }
        return r.equals(other) ? other : r;
    }

    /**
     * The union when a cloud is involved, by merging sorted arrays: the vectors' maximum, then for
     * each replica with cloud dots the union of both clouds, folding into the vector every dot
     * contiguous with it (compaction). Only replicas with cloud dots cost more than a vector merge.
     */
    private CausalContext unionWithClouds(CausalContext other) {
        VersionVector v = vv.merge(other.vv);
        List<ReplicaId> ids = new ArrayList<>();
        List<long[]> dots = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < cloudIds.length || j < other.cloudIds.length) {
            int c = i == cloudIds.length ? 1 : j == other.cloudIds.length ? -1 : cloudIds[i].compareTo(other.cloudIds[j]);
            ReplicaId id;
            long[] merged;
            if (c < 0) {
                id = cloudIds[i];
                merged = cloudDots[i++];
            } else if (c > 0) {
                id = other.cloudIds[j];
                merged = other.cloudDots[j++];
            } else {
                id = cloudIds[i];
                merged = mergeSorted(cloudDots[i++], other.cloudDots[j++]);
            }
            long top = v.get(id);
            int k = 0;
            while (k < merged.length && merged[k] <= top + 1) {
                top = Math.max(top, merged[k]);
                k++;
            }
            if (top > 0) {
                v = v.with(id, top);
            }
            if (k < merged.length) {
                ids.add(id);
                dots.add(k == 0 ? merged : Arrays.copyOfRange(merged, k, merged.length));
            }
        }
        if (ids.isEmpty()) {
            return of(v);
        }
        return new CausalContext(v, ids.toArray(NO_IDS), dots.toArray(NO_CLOUD));
    }

    private static long[] mergeSorted(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.length || j < b.length) {
            long x = i == a.length ? Long.MAX_VALUE : a[i];
            long y = j == b.length ? Long.MAX_VALUE : b[j];
            long next = Math.min(x, y);
            if (x == next) {
                i++;
            }
            if (y == next) {
                j++;
            }
            out[k++] = next;
        }
        return k == out.length ? out : Arrays.copyOf(out, k);
    }

    /** Whether every dot of this context is also in {@code other}. */
    public boolean isSubsetOf(CausalContext other) {
        Objects.requireNonNull(other, "other");
        if (!vv.isLessOrEqual(other.vv)) {
            // A vector entry beyond other's vector may still be covered by other's cloud.
            boolean[] ok = {true};
            vv.forEach((id, n) -> {
                long have = other.vv.get(id);
                for (long c = have + 1; c <= n && ok[0]; c++) {
                    if (!other.contains(id, c)) {
                        ok[0] = false;
                    }
                }
            });
            if (!ok[0]) {
                return false;
            }
        }
        for (int i = 0; i < cloudIds.length; i++) {
            for (long c : cloudDots[i]) {
                if (!other.contains(cloudIds[i], c)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The cloud dots (seen beyond a gap), in order; empty when compact. */
    public List<Dot> cloud() {
        if (cloudIds.length == 0) {
            return List.of();
        }
        List<Dot> out = new ArrayList<>();
        forEachCloudDot(out::add);
        return Collections.unmodifiableList(out);
    }

    /** Calls {@code action} for each cloud dot, in order. */
    public void forEachCloudDot(Consumer<Dot> action) {
        for (int i = 0; i < cloudIds.length; i++) {
            for (long c : cloudDots[i]) {
                action.accept(new Dot(cloudIds[i], c));
            }
        }
    }

    /** Number of dots in the cloud. */
    public int cloudSize() {
        int n = 0;
        for (long[] c : cloudDots) {
            n += c.length;
        }
        return n;
    }

    /** Whether the context has seen no dot at all. */
    public boolean isEmpty() {
        return vv.isEmpty() && cloudIds.length == 0;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof CausalContext c && vv.equals(c.vv) && Arrays.equals(cloudIds, c.cloudIds)
                && Arrays.deepEquals(cloudDots, c.cloudDots);
    }

    @Override
    public int hashCode() {
        return 31 * vv.hashCode() + 17 * Arrays.hashCode(cloudIds) + Arrays.deepHashCode(cloudDots);
    }

    @Override
    public String toString() {
        return cloudIds.length == 0 ? vv.toString() : vv + "+cloud" + cloud();
    }

    /**
     * Collects dots, ranges and whole contexts, then builds one compacted context. Not
     * thread-safe; use it from one thread and discard it after {@link #build()}.
     */
    public static final class Builder {
        private final TreeMap<ReplicaId, Long> vector = new TreeMap<>();
        private final TreeMap<ReplicaId, LongList> cloud = new TreeMap<>();

        private Builder() {
        }

        /** Adds one dot. */
        public Builder add(Dot dot) {
            Objects.requireNonNull(dot, "dot");
            return add(dot.replica(), dot.counter());
        }

        /** Adds dot {@code (replica, counter)}. */
        public Builder add(ReplicaId replica, long counter) {
            Objects.requireNonNull(replica, "replica");
            if (counter < 1) {
                throw new IllegalArgumentException("dot counter must be at least 1, got " + counter);
            }
            if (counter == 1) {
                vector.merge(replica, 1L, Math::max);
            } else {
                cloud.computeIfAbsent(replica, r -> new LongList()).add(counter);
            }
            return this;
        }

        /** Adds the dots {@code (replica, 1..counter)}. */
        public Builder addUpTo(ReplicaId replica, long counter) {
            Objects.requireNonNull(replica, "replica");
            if (counter > 0) {
                vector.merge(replica, counter, Math::max);
            }
            return this;
        }

        /** Adds every dot of {@code context}. */
        public Builder addAll(CausalContext context) {
            context.vv.forEach(this::addUpTo);
            for (int i = 0; i < context.cloudIds.length; i++) {
                LongList l = cloud.computeIfAbsent(context.cloudIds[i], r -> new LongList());
                for (long c : context.cloudDots[i]) {
                    l.add(c);
                }
            }
            return this;
        }

        /** The compacted context of everything added. */
        public CausalContext build() {
            TreeMap<ReplicaId, Long> vec = new TreeMap<>(vector);
            List<ReplicaId> ids = new ArrayList<>();
            List<long[]> dots = new ArrayList<>();
            for (var e : cloud.entrySet()) {
                long[] sorted = e.getValue().sortedUnique();
                long top = vec.getOrDefault(e.getKey(), 0L);
                int k = 0;
                // Compaction: fold dots contiguous with the vector into it, drop covered ones.
                while (k < sorted.length && sorted[k] <= top + 1) {
                    top = Math.max(top, sorted[k]);
                    k++;
                }
                if (top > 0) {
                    vec.put(e.getKey(), top);
                }
                if (k < sorted.length) {
                    ids.add(e.getKey());
                    dots.add(Arrays.copyOfRange(sorted, k, sorted.length));
                }
            }
            VersionVector v = VersionVector.of(vec);
            if (ids.isEmpty()) {
                return of(v);
            }
            return new CausalContext(v, ids.toArray(NO_IDS), dots.toArray(NO_CLOUD));
        }
    }

    /** A growable list of longs, sorted on demand. */
    private static final class LongList {
        private long[] values = new long[4];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] sortedUnique() {
            long[] a = Arrays.copyOf(values, size);
            Arrays.sort(a);
            int k = 0;
            for (int i = 0; i < a.length; i++) {
                if (k == 0 || a[k - 1] != a[i]) {
                    a[k++] = a[i];
                }
            }
            return Arrays.copyOf(a, k);
        }
    }
}
