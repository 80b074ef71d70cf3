package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;
import java.util.Objects;

/**
 * The typed name of one replicated value in a {@link Replicator}, like Pekko's {@code Key}:
 * {@code Key<ORSet<String>> CART = Key.of("cart", ORSet.empty())}. The value is created (as
 * {@code bottom}) on first use. A name must always be used with the same type on every node; a
 * mismatch is refused with {@link io.converge.crdt.CrdtTypeMismatchException}.
 *
 * <p>A key may have a time to live ({@link #withTimeToLive}): once no update renewed it for that
 * long, every node drops it and keeps nothing, not even a tombstone.
 *
 * <p>Immutable. Names are 1 to 512 characters.
 *
 * @param name the name
 * @param bottom the empty value of the type
 * @param timeToLiveMillis time to live after each update, 0 for none
 * @param <S> the CRDT type
 */
public record Key<S extends ReplicatedData<S>>(String name, S bottom, long timeToLiveMillis) {
    /**
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name is empty or too long, or bottom is not bottom
     */
    public Key {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bottom, "bottom");
        if (name.isEmpty() || name.length() > 512) {
            throw new IllegalArgumentException("key names have 1 to 512 characters, got " + name.length());
        }
        if (!bottom.isBottom()) {
            throw new IllegalArgumentException("the key's initial value must be bottom, got " + bottom);
        }
        if (timeToLiveMillis < 0) {
            throw new IllegalArgumentException("time to live must not be negative, got " + timeToLiveMillis);
        }
    }

    /** A key that never expires. */
    public static <S extends ReplicatedData<S>> Key<S> of(String name, S bottom) {
        return new Key<>(name, bottom, 0);
    }

    /**
     * This key with a time to live: each update (on any node) renews it; once it lapses the key
     * is dropped everywhere without a tombstone.
     *
     * @throws IllegalArgumentException if {@code ttl} is shorter than a millisecond
     */
    public Key<S> withTimeToLive(java.time.Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.toMillis() < 1) {
            throw new IllegalArgumentException("time to live must be at least 1 ms, got " + ttl);
        }
        return new Key<>(name, bottom, ttl.toMillis());
    }

    @Override
    public String toString() {
        return name + ":" + bottom.getClass().getSimpleName();
    }
}
