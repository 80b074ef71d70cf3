package io.converge.crdt;

/**
 * A state-based CRDT whose states form a join-semilattice: the contract every Converge data type,
 * built-in or user-defined, fulfils, and the only thing the engine and the codecs rely on.
 *
 * <p><b>Laws.</b> For all states {@code x, y, z} of one type:
 * <ul>
 *   <li>{@code x.join(y).equals(y.join(x))} (commutative);
 *   <li>{@code x.join(y.join(z)).equals(x.join(y).join(z))} (associative);
 *   <li>{@code x.join(x).equals(x)} (idempotent);
 *   <li>{@code x.bottom().join(x).equals(x)} (bottom is the identity).
 * </ul>
 * Because of these laws a replica's state depends only on the <em>set</em> of states and deltas
 * it has joined, never on their order or on duplicates, which is what makes replicas converge
 * (crdt.md §1).
 *
 * <p><b>Deltas.</b> Every mutator of a type returns a <em>delta</em>: a small value of the same
 * type such that {@code x.join(x.mutator(args))} equals the state after the mutation (the
 * delta-mutator law). Deltas are shipped to other replicas and joined there; batches of deltas
 * are joined into one delta before sending. <b>Join each delta into the state before the next
 * mutation</b>: two deltas computed from the same state reuse the same new dot, and their join
 * is then meaningless (crdt.md §2: a dot is never reused).
 *
 * <p><b>Implementing a type.</b> Make it an immutable final class; give {@code equals} and
 * {@code hashCode} over the whole lattice state (never only the user-visible value); never mutate
 * in place. Check the laws with {@code io.converge.crdt.testing.LawChecker}. See
 * {@code docs/data-types.md} for a worked example.
 *
 * @param <S> the implementing type itself
 */
public interface ReplicatedData<S extends ReplicatedData<S>> {
    /**
     * The least upper bound of this state and {@code other}. Never mutates either.
     *
     * @throws NullPointerException if {@code other} is null
     */
    S join(S other);

    /** The bottom state of this type (the state of a replica that has seen nothing). */
    S bottom();

    /** Whether this state equals {@link #bottom()}. */
    boolean isBottom();

    /**
     * Whether this state is below or equal to {@code other} in the lattice order
     * ({@code x ⊑ y ⇔ x ⊔ y = y}): {@code other} already contains everything this state says.
     * The default computes the join; types override it with something cheaper.
     */
    default boolean isLessOrEqual(S other) {
        return join(other).equals(other);
    }

    /**
     * An event (a dot, or a last-writer-wins stamp) that this state and {@code other} both hold
     * with different payloads, if there is one: proof that one of them is corrupt or comes from a
     * reused replica id. Such values must not be joined: their join would not be commutative,
     * and replicas that joined them in different orders would diverge for good. The engine calls
     * this on every received delta and state before joining it, and refuses and reports the input
     * on a conflict. Never fires for values that honest replicas produced.
     *
     * <p>The built-in types look up the events {@code other} holds in this state, so a small
     * delta is checked in O(its size · log n); a delta that carries an entry whose dot this state
     * has seen but no longer holds under that key (a removed entry, delivered again) costs one
     * more pass over this state's entries, to make sure no other key holds that dot. Types
     * without dots or stamps (counters, flags' payload-free dots) never conflict. The default
     * finds none: override it for a user-defined type whose events carry payloads.
     *
     * @throws NullPointerException if {@code other} is null
     */
    default java.util.Optional<Conflict> conflict(S other) {
        java.util.Objects.requireNonNull(other, "other");
        return java.util.Optional.empty();
    }

    /**
     * Verifies the representation invariants of this state (for a causal type: every dot in the
     * store is in the context, the context is compacted, no key holds an empty store).
     * The testkit calls it on every state it builds; a user-defined type may override it.
     *
     * @throws IllegalStateException if an invariant is broken
     */
    default void checkInvariants() {
    }

    /**
     * A 64-bit digest of this state: equal for equal states on every JVM, and different for
     * different states with overwhelming probability. Anti-entropy compares digests to skip the
     * keys a peer already holds, so a collision hides a difference until the key changes again.
     * The default mixes {@link #hashCode()}; override it when your {@code hashCode} is weak or not
     * derived from content alone. The built-in types keep theirs up to date in O(1).
     */
    default long digest() {
        return io.converge.crdt.internal.Digests.mix(hashCode() * 0x9E3779B97F4A7C15L);
    }
}
