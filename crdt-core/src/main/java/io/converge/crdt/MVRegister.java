package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.internal.DotEntries;
import io.converge.crdt.internal.Tagged;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A multi-value register: a write replaces every value it has observed; concurrent writes all
 * survive, side by side, until a later write that observed them replaces them.
 *
 * <p><b>Concurrent operations:</b> nothing is lost silently. {@link #value()} returns every
 * value written concurrently and not yet overwritten, so the application can resolve the
 * conflict (and write the resolution back). Use {@link LWWRegister} where one value must be
 * picked automatically.
 *
 * <p><b>Cost:</b> one entry per concurrent writer; join O(e + r).
 *
 * <p>Immutable and safe to share between threads. Values must be immutable with consistent
 * {@code equals}/{@code hashCode}. Can be nested in an {@link ORMap}.
 *
 * @param <V> value type
 */
public final class MVRegister<V> extends SingleStoreBase<MVRegister<V>> implements CausalCrdt<MVRegister<V>> {
    private static final MVRegister<?> EMPTY = new MVRegister<>(null, CausalContext.empty());

    private MVRegister(Object store, CausalContext context) {
        super(store, context);
    }

    /** The register that holds nothing (bottom). */
    @SuppressWarnings("unchecked")
    public static <V> MVRegister<V> empty() {
        return (MVRegister<V>) EMPTY;
    }

    @Override
    MVRegister<V> make(Object store, CausalContext context) {
        return store == null && context.isEmpty() ? empty() : new MVRegister<>(store, context);
    }

    /** The delta of writing {@code value} on {@code replica}: it replaces every value observed here. */
    public MVRegister<V> write(ReplicaId replica, V value) {
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(value, "value");
        var d = Bounds.nextDot(context, replica);
        return replaceDelta(d, new Tagged(d, 0, value));
    }

    /** The delta of clearing the register (removes the values observed here). */
    public MVRegister<V> clear() {
        return clearDelta();
    }

    /** The distinct current values: empty, one, or several written concurrently. */
    @SuppressWarnings("unchecked")
    public Set<V> value() {
        Set<V> out = new LinkedHashSet<>();
        DotEntries.forEach(store, e -> out.add((V) ((Tagged) e).value));
        return Collections.unmodifiableSet(out);
    }

    @Override
    public MVRegister<V> bottom() {
        return empty();
    }
}
