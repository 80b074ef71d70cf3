package io.converge.crdt.docs;

import io.converge.crdt.ReplicatedData;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A register that keeps the largest {@code long} ever written (the worked example of a
 * user-defined type in docs/data-types.md).
 *
 * <p><b>Concurrent operations:</b> every write counts; the value is the maximum of all writes
 * seen, whatever their order or duplication. A smaller write never hides a larger one.
 *
 * <p><b>Cost:</b> one {@code long}; join, write and value are O(1).
 *
 * <p>Immutable and safe to share between threads.
 */
public final class MaxRegister implements ReplicatedData<MaxRegister> {
    private static final MaxRegister EMPTY = new MaxRegister(false, 0);

    private final boolean written;
    private final long max;

    private MaxRegister(boolean written, long max) {
        this.written = written;
        this.max = max;
    }

    /** The register that holds nothing (bottom). */
    public static MaxRegister empty() {
        return EMPTY;
    }

    /** The delta of writing {@code value}: a register holding only {@code value}. */
    public MaxRegister write(long value) {
        return new MaxRegister(true, value);
    }

    /** The largest value written, empty if nothing was. */
    public OptionalLong value() {
        return written ? OptionalLong.of(max) : OptionalLong.empty();
    }

    @Override
    public MaxRegister join(MaxRegister other) {
        Objects.requireNonNull(other, "other");
        if (!other.written) {
            return this;
        }
        if (!written) {
            return other;
        }
        return other.max > max ? other : this;
    }

    @Override
    public MaxRegister bottom() {
        return EMPTY;
    }

    @Override
    public boolean isBottom() {
        return !written;
    }

    @Override
    public boolean isLessOrEqual(MaxRegister other) {
        return !written || (other.written && max <= other.max);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaxRegister r && r.written == written && r.max == max;
    }

    @Override
    public int hashCode() {
        return 31 * Boolean.hashCode(written) + Long.hashCode(max);
    }

    @Override
    public String toString() {
        return written ? "MaxRegister[" + max + "]" : "MaxRegister[]";
    }
}
