package io.converge.crdt;

import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import java.util.Objects;
import java.util.Optional;

/**
 * A last-writer-wins register: one value, stamped with the writer's hybrid logical clock and
 * replica id; the join keeps the write with the greater stamp {@code (hlc, replicaId)}.
 *
 * <p><b>Concurrent operations:</b> of two concurrent writes exactly one survives: the one with
 * the higher HLC timestamp, ties broken by the higher replica id. The other is discarded: use
 * {@link MVRegister} if that loss is not acceptable. A write that causally follows another always
 * wins, even when the writer's wall clock is behind, because {@link #write} first lets the
 * writer's clock absorb the stamp it overwrites (crdt.md §4), unless that stamp lies further in
 * the future than the clock's bound, which the clock refuses to absorb.
 *
 * <p><b>Cost:</b> O(1) join and write; the delta is the whole (small) register.
 *
 * <p>Immutable and safe to share between threads. Not causal, so it cannot be nested in an
 * {@link ORMap}; use {@link AWLWWMap} for a map of last-writer-wins values.
 *
 * @param <V> value type
 */
public final class LWWRegister<V> implements ReplicatedData<LWWRegister<V>> {
    private static final LWWRegister<?> EMPTY = new LWWRegister<>(HlcTimestamp.ZERO, null, null);

    private final HlcTimestamp stamp;
    private final ReplicaId writer;
    private final V value;

    private LWWRegister(HlcTimestamp stamp, ReplicaId writer, V value) {
        this.stamp = stamp;
        this.writer = writer;
        this.value = value;
    }

    /** The register that holds nothing (bottom). */
    @SuppressWarnings("unchecked")
    public static <V> LWWRegister<V> empty() {
        return (LWWRegister<V>) EMPTY;
    }

    /** A register holding one write (for decoding and tests). */
    public static <V> LWWRegister<V> of(HlcTimestamp stamp, ReplicaId writer, V value) {
        return new LWWRegister<>(Objects.requireNonNull(stamp, "stamp"), Objects.requireNonNull(writer, "writer"),
                Objects.requireNonNull(value, "value"));
    }

    /**
     * The delta of writing {@code value} on {@code replica}, stamped by {@code clock} after the
     * clock has absorbed the current stamp, so the write supersedes what this replica has seen.
     */
    public LWWRegister<V> write(ReplicaId replica, HybridLogicalClock clock, V value) {
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(value, "value");
        // One clock event per write (crdt.md §3): equal readings on two replicas tie, and the
        // larger replica id wins, as docs/data-types.md says.
        return new LWWRegister<>(writer != null ? clock.nowAfter(stamp) : clock.now(), replica, value);
    }

    /** The current value, empty if never written. */
    public Optional<V> value() {
        return Optional.ofNullable(value);
    }

    /** The stamp of the current value ({@link HlcTimestamp#ZERO} if never written). */
    public HlcTimestamp timestamp() {
        return stamp;
    }

    /** The replica that wrote the current value. */
    public Optional<ReplicaId> writer() {
        return Optional.ofNullable(writer);
    }

    private int compareStamp(LWWRegister<V> o) {
        if (writer == null || o.writer == null) {
            return writer == null ? (o.writer == null ? 0 : -1) : 1;
        }
        int c = stamp.compareTo(o.stamp);
        return c != 0 ? c : writer.compareTo(o.writer);
    }

    @Override
    public LWWRegister<V> join(LWWRegister<V> other) {
        Objects.requireNonNull(other, "other");
        // Equal stamps name the same write, so either side is the answer.
        return compareStamp(other) >= 0 ? this : other;
    }

    /**
     * The stamp both registers hold for different values: equal stamps name the same write, so
     * such a pair is corrupt or comes from a reused replica id, and {@link #join} would keep
     * whichever it met first.
     */
    @Override
    public Optional<Conflict> conflict(LWWRegister<V> other) {
        Objects.requireNonNull(other, "other");
        if (writer != null && other.writer != null && compareStamp(other) == 0 && !value.equals(other.value)) {
            return Optional.of(Conflict.stamp(writer, stamp.packed(), other.value));
        }
        return Optional.empty();
    }

    @Override
    public boolean isLessOrEqual(LWWRegister<V> other) {
        return compareStamp(other) <= 0;
    }

    @Override
    public LWWRegister<V> bottom() {
        return empty();
    }

    @Override
    public boolean isBottom() {
        return writer == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LWWRegister<?> r && r.stamp.equals(stamp) && Objects.equals(r.writer, writer)
                && Objects.equals(r.value, value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(stamp, writer, value);
    }

    @Override
    public long digest() {
        if (writer == null) {
            return 0x1EE7;
        }
        return io.converge.crdt.internal.Digests.pair(io.converge.crdt.internal.Digests.pair(stamp.packed(),
                io.converge.crdt.internal.Digests.of(writer)), io.converge.crdt.internal.Digests.ofObject(value));
    }

    @Override
    public String toString() {
        return writer == null ? "LWWRegister[]" : "LWWRegister[" + value + " @" + stamp + " by " + writer + "]";
    }
}
