package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.internal.DotEntries;
import java.util.Objects;

/**
 * The causal value with one dot store and its context, shared by {@link EWFlag}, {@link DWFlag},
 * {@link MVRegister} and {@link CausalCounter}. The store is a dot set or a dot function
 * ({@link DotEntries}); the join is crdt.md §2's: keep entries both sides hold and entries whose
 * dot the other side has not seen. Join is O(e₁ + e₂ + r) for e entries (a handful: one per
 * concurrent writer) and r replicas.
 *
 * @param <S> the concrete type
 */
abstract class SingleStoreBase<S extends SingleStoreBase<S>> {
    /** A {@link Dot}/{@code Tagged}, several as {@code DotEntries.Many}, or null. */
    final Object store;
    final CausalContext context;

    SingleStoreBase(Object store, CausalContext context) {
        this.store = store;
        this.context = context;
    }

    abstract S make(Object store, CausalContext context);

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    /** The delta that replaces every observed entry by {@code entry}, minted with dot {@code d}. */
    final S replaceDelta(Dot d, Object entry) {
        CausalContext.Builder b = CausalContext.builder().add(d);
        DotEntries.addDots(store, b);
        return make(entry, b.build());
    }

    /** The delta that removes every observed entry (bottom if there is none). */
    final S clearDelta() {
        if (store == null) {
            return make(null, CausalContext.empty());
        }
        return make(null, storeDots());
    }

    public final S join(S other) {
        Objects.requireNonNull(other, "other");
        return joinWith(other, context, other.context, context.union(other.context));
    }

    public final S joinStore(S other, CausalContext thisContext, CausalContext otherContext) {
        Objects.requireNonNull(other, "other");
        return joinWith(other, thisContext, otherContext, CausalContext.empty());
    }

    private S joinWith(S other, CausalContext ca, CausalContext cb, CausalContext rc) {
        Object s = DotEntries.join(store, ca, other.store, cb);
        if (s == store && rc == context) {
            return self();
        }
        if (s == other.store && rc == other.context) {
            return other;
        }
        return make(s, rc);
    }

    /**
     * An entry of {@code other} whose dot this store holds with another payload (see
     * {@link ReplicatedData#conflict}). O(e₁ · e₂) for a handful of entries.
     */
    public final java.util.Optional<Conflict> conflict(S other) {
        Objects.requireNonNull(other, "other");
        int n = DotEntries.count(other.store);
        for (int i = 0; i < n; i++) {
            Object t = DotEntries.get(other.store, i);
            Object m = DotEntries.find(store, DotEntries.replica(t), DotEntries.counter(t));
            if (m != null && !m.equals(t)) {
                return java.util.Optional.of(Conflict.dot(DotEntries.replica(t), DotEntries.counter(t), t));
            }
        }
        return java.util.Optional.empty();
    }

    public final boolean isBottom() {
        return store == null && context.isEmpty();
    }

    public final CausalContext context() {
        return context;
    }

    public final S withContext(CausalContext context) {
        Objects.requireNonNull(context, "context");
        return context == this.context ? self() : make(store, context);
    }

    public final CausalContext storeDots() {
        CausalContext.Builder b = CausalContext.builder();
        DotEntries.addDots(store, b);
        return b.build();
    }

    public final boolean isStoreEmpty() {
        return store == null;
    }

    public void checkInvariants() {
        if (!DotEntries.allIn(store, context)) {
            throw new IllegalStateException("store " + DotEntries.toString(store) + " not in context " + context);
        }
    }

    @Override
    public final boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o != null && o.getClass() == getClass() && ((SingleStoreBase<?>) o).context.equals(context)
                && DotEntries.equal(store, ((SingleStoreBase<?>) o).store);
    }

    public final long digest() {
        return io.converge.crdt.internal.Digests.pair(store == null ? 0 : io.converge.crdt.internal.Digests.ofObject(store),
                io.converge.crdt.internal.Digests.of(context));
    }

    @Override
    public final int hashCode() {
        long d = digest();
        return (int) (d ^ (d >>> 32));
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + DotEntries.toString(store) + " ctx=" + context + "]";
    }
}
