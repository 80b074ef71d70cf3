package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.ReplicaId;
import java.util.Objects;

/**
 * An enable-wins flag: a boolean that starts {@code false}.
 *
 * <p><b>Concurrent operations:</b> an enable and a concurrent disable leave the flag
 * <em>enabled</em> (the disable only cancels the enables it observed). Use {@link DWFlag} where
 * a concurrent disable must win, for example a kill switch.
 *
 * <p><b>Cost:</b> one dot per concurrent enabler; join O(e + r); each mutator's delta carries
 * one dot and the dots it supersedes.
 *
 * <p>Immutable and safe to share between threads. Can be nested in an {@link ORMap}.
 */
public final class EWFlag extends SingleStoreBase<EWFlag> implements CausalCrdt<EWFlag> {
    private static final EWFlag EMPTY = new EWFlag(null, CausalContext.empty());

    private EWFlag(Object store, CausalContext context) {
        super(store, context);
    }

    /** The flag at {@code false} (bottom). */
    public static EWFlag empty() {
        return EMPTY;
    }

    @Override
    EWFlag make(Object store, CausalContext context) {
        return store == null && context.isEmpty() ? EMPTY : new EWFlag(store, context);
    }

    /** The delta of enabling the flag on {@code replica}. */
    public EWFlag enable(ReplicaId replica) {
        Objects.requireNonNull(replica, "replica");
        var d = Bounds.nextDot(context, replica);
        return replaceDelta(d, d);
    }

    /** The delta of disabling the flag (cancels the enables observed here). */
    public EWFlag disable() {
        return clearDelta();
    }

    /** Whether the flag is enabled. */
    public boolean value() {
        return store != null;
    }

    @Override
    public EWFlag bottom() {
        return EMPTY;
    }
}
