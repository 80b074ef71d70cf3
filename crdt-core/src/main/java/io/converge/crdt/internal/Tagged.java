package io.converge.crdt.internal;

import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import java.util.Objects;

/**
 * One entry of a dot function: a dot mapped to a value and, for last-writer-wins entries, the
 * writer's HLC stamp. Entries are minted once, by one write, so two entries with the same dot are
 * the same entry.
 *
 * <p>Immutable. Kept flat (no {@link Dot} object inside) to spend one object per entry.
 */
public final class Tagged {
    public final ReplicaId replica;
    public final long counter;
    public final long stamp;
    public final Object value;

    public Tagged(ReplicaId replica, long counter, long stamp, Object value) {
        this.replica = Objects.requireNonNull(replica, "replica");
        this.counter = counter;
        this.stamp = stamp;
        this.value = Objects.requireNonNull(value, "value");
    }

    public Tagged(Dot dot, long stamp, Object value) {
        this(dot.replica(), dot.counter(), stamp, value);
    }

    public Dot dot() {
        return new Dot(replica, counter);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tagged t && t.counter == counter && t.stamp == stamp && t.replica.equals(replica)
                && t.value.equals(value);
    }

    @Override
    public int hashCode() {
        return (replica.hashCode() * 31 + Long.hashCode(counter)) * 31 + Long.hashCode(stamp) ^ value.hashCode();
    }

    @Override
    public String toString() {
        return "(" + replica + "," + counter + ")↦" + value + (stamp != 0 ? "@" + stamp : "");
    }
}
