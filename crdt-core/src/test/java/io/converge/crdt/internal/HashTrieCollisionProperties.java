package io.converge.crdt.internal;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Every property of {@link HashTrieProperties} again, on keys drawn mostly from a few full 32-bit
 * hashes, so that groups of keys with one hash outgrow the bucket and become collision trees
 * (leaves split, join and refill as keys come and go) and merges meet them on both sides.
 *
 * <p>Hash 0 is shared by longs {@code x << 32 | x} (ordered by value), {@link HashTrieProperties.Ranked}
 * keys with even ids, {@link HashTrieProperties.Colliding} keys (no order: they all tie),
 * {@link HashTrieProperties.Coarse} keys (an order with ties between unequal keys), the integer 0
 * and strings {@code "", "\0", "\0\0"}; hash 1 by odd {@code Ranked} keys, {@code Colliding} keys,
 * the integer 1 and {@link HashTrieProperties.Family} keys of two classes that are equal across
 * their classes. A few keys have spread hashes.
 */
class HashTrieCollisionProperties extends HashTrieProperties {

    static Arbitrary<Object> collidingKeys() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(0, 40).map(x -> (Object) zeroHashLong(x))),
                Tuple.of(3, Arbitraries.integers().between(0, 40).map(i -> (Object) new Ranked(i))),
                Tuple.of(2, Arbitraries.integers().between(0, 30).map(i -> (Object) new Colliding(i))),
                Tuple.of(2, Arbitraries.integers().between(0, 20).map(i -> (Object) new Coarse(i))),
                Tuple.of(1, Combinators.combine(Arbitraries.integers().between(0, 8), Arbitraries.of(true, false))
                        .as((i, elder) -> (Object) (elder ? new Elder(i) : new Younger(i)))),
                Tuple.of(1, Arbitraries.integers().between(0, 3).map(i -> (Object) i)),
                Tuple.of(1, Arbitraries.of("", "\0", "\0\0", "Aa", "BB").map(s -> (Object) s)),
                Tuple.of(1, Arbitraries.integers().map(i -> (Object) i)));
    }

    @Override
    Arbitrary<Object> keySource() {
        return collidingKeys();
    }
}
