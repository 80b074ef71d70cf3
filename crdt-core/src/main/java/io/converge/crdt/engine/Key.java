package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;
import java.util.Objects;

/**
 * The typed name of one replicated value in a {@link Replicator}, like Pekko's {@code Key}:
 * {@code Key<ORSet<String>> CART = Key.of("cart", ORSet.empty())}. The value is created (as
 * {@code bottom}) on first use. A name must always be used with the same type on every node; a
 * mismatch is refused with {@link io.converge.crdt.CrdtTypeMismatchException}.
 *
 * <p>Immutable. Names are 1 to 512 characters.
 *
 * @param name the name
 * @param bottom the empty value of the type
 * @param <S> the CRDT type
 */
public record Key<S extends ReplicatedData<S>>(String name, S bottom) {
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
    }

    /** Shorthand for the constructor. */
    public static <S extends ReplicatedData<S>> Key<S> of(String name, S bottom) {
        return new Key<>(name, bottom);
    }

    @Override
    public String toString() {
        return name + ":" + bottom.getClass().getSimpleName();
    }
}
