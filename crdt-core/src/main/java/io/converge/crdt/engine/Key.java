package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.codec.CrdtCodec;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The typed name of one replicated value in a {@link Replicator}, like Pekko's {@code Key}:
 * {@code Key<ORSet<String>> CART = Key.of("cart", ORSet.empty())}. The value is created (as
 * {@code bottom}) on first use. A name must always be used with the same type on every node; a
 * mismatch is refused with {@link io.converge.crdt.CrdtTypeMismatchException}.
 *
 * <p>A key needs a codec ({@link #withCodec}) when its values leave the JVM: on a network
 * transport or in a durable store. It may have a time to live ({@link #withTimeToLive}): once no
 * update renewed it for that long, every node drops it and keeps nothing, not even a tombstone.
 *
 * <p>Immutable. Names are 1 to 512 characters.
 *
 * @param <S> the CRDT type
 */
public final class Key<S extends ReplicatedData<S>> {
    private final String name;
    private final S bottom;
    private final long timeToLiveMillis;
    private final CrdtCodec<S> codec;

    private Key(String name, S bottom, long timeToLiveMillis, CrdtCodec<S> codec) {
        this.name = name;
        this.bottom = bottom;
        this.timeToLiveMillis = timeToLiveMillis;
        this.codec = codec;
    }

    /**
     * A key that never expires and has no codec (in-memory use).
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name is empty or too long, or bottom is not bottom
     */
    public static <S extends ReplicatedData<S>> Key<S> of(String name, S bottom) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bottom, "bottom");
        if (name.isEmpty() || name.length() > 512) {
            throw new IllegalArgumentException("key names have 1 to 512 characters, got " + name.length());
        }
        if (!bottom.isBottom()) {
            throw new IllegalArgumentException("the key's initial value must be bottom, got " + bottom);
        }
        return new Key<>(name, bottom, 0, null);
    }

    /** A key with a codec, for values that go over a network or to disk. */
    public static <S extends ReplicatedData<S>> Key<S> of(String name, S bottom, CrdtCodec<S> codec) {
        return of(name, bottom).withCodec(codec);
    }

    /** This key with {@code codec}. */
    public Key<S> withCodec(CrdtCodec<S> codec) {
        return new Key<>(name, bottom, timeToLiveMillis, Objects.requireNonNull(codec, "codec"));
    }

    /**
     * This key with a time to live: each update (on any node) renews it; once it lapses the key
     * is dropped everywhere without a tombstone.
     *
     * @throws IllegalArgumentException if {@code ttl} is shorter than a millisecond
     */
    public Key<S> withTimeToLive(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.toMillis() < 1) {
            throw new IllegalArgumentException("time to live must be at least 1 ms, got " + ttl);
        }
        return new Key<>(name, bottom, ttl.toMillis(), codec);
    }

    /** The name. */
    public String name() {
        return name;
    }

    /** The empty value of the type. */
    public S bottom() {
        return bottom;
    }

    /** Time to live after each update in milliseconds, 0 for none. */
    public long timeToLiveMillis() {
        return timeToLiveMillis;
    }

    /** The codec, if any. */
    public Optional<CrdtCodec<S>> codec() {
        return Optional.ofNullable(codec);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key<?> k && k.name.equals(name) && k.bottom.getClass() == bottom.getClass()
                && k.timeToLiveMillis == timeToLiveMillis;
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + ":" + bottom.getClass().getSimpleName();
    }
}
