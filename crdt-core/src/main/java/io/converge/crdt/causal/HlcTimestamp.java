package io.converge.crdt.causal;

/**
 * A hybrid logical clock timestamp (Kulkarni et al. 2014) packed in one {@code long}: the upper
 * 48 bits are the logical time {@code l} in milliseconds since the epoch (good until the year
 * 10889), the lower 16 bits the counter {@code c}. Packed values order as the pairs
 * {@code (l, c)} do.
 *
 * <p>Immutable.
 *
 * @param packed {@code l << 16 | c}, not negative
 */
public record HlcTimestamp(long packed) implements Comparable<HlcTimestamp> {
    /** Largest logical time in milliseconds. */
    public static final long MAX_MILLIS = (1L << 47) - 1;
    /** Largest counter value. */
    public static final int MAX_COUNTER = 0xFFFF;
    /** The smallest timestamp, below every clock reading. */
    public static final HlcTimestamp ZERO = new HlcTimestamp(0);

    /**
     * @throws IllegalArgumentException if {@code packed} is negative
     */
    public HlcTimestamp {
        if (packed < 0) {
            throw new IllegalArgumentException("negative HLC timestamp " + packed);
        }
    }

    /**
     * The timestamp {@code (millis, counter)}.
     *
     * @throws IllegalArgumentException if either part is out of range
     */
    public static HlcTimestamp of(long millis, int counter) {
        if (millis < 0 || millis > MAX_MILLIS) {
            throw new IllegalArgumentException("HLC millis out of range: " + millis);
        }
        if (counter < 0 || counter > MAX_COUNTER) {
            throw new IllegalArgumentException("HLC counter out of range: " + counter);
        }
        return new HlcTimestamp(millis << 16 | counter);
    }

    /** The logical time {@code l}, close to physical milliseconds since the epoch. */
    public long millis() {
        return packed >>> 16;
    }

    /** The counter {@code c} that orders events within one millisecond. */
    public int counter() {
        return (int) (packed & 0xFFFF);
    }

    @Override
    public int compareTo(HlcTimestamp o) {
        return Long.compare(packed, o.packed);
    }

    @Override
    public String toString() {
        return millis() + "." + counter();
    }
}
