package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.ReplicaId;
import java.util.Objects;

/**
 * A disable-wins flag: a boolean that starts {@code true} (enabled), the mirror of
 * {@link EWFlag}.
 *
 * <p><b>Concurrent operations:</b> a disable and a concurrent enable leave the flag
 * <em>disabled</em> (the enable only cancels the disables it observed). Note the start value:
 * a fresh flag reads {@code true}.
 *
 * <p><b>Cost:</b> one dot per concurrent disabler; join O(e + r).
 *
 * <p>Immutable and safe to share between threads. Can be nested in an {@link ORMap}.
 */
public final class DWFlag extends SingleStoreBase<DWFlag> implements CausalCrdt<DWFlag> {
    private static final DWFlag EMPTY = new DWFlag(null, CausalContext.empty());

    private DWFlag(Object store, CausalContext context) {
        super(store, context);
    }

    /** The flag at {@code true} (bottom: no disable seen). */
    public static DWFlag empty() {
        return EMPTY;
    }

    @Override
    DWFlag make(Object store, CausalContext context) {
        return store == null && context.isEmpty() ? EMPTY : new DWFlag(store, context);
    }

    /** The delta of disabling the flag on {@code replica}. */
    public DWFlag disable(ReplicaId replica) {
        Objects.requireNonNull(replica, "replica");
        var d = Bounds.nextDot(context, replica);
        return replaceDelta(d, d);
    }

    /** The delta of enabling the flag (cancels the disables observed here). */
    public DWFlag enable() {
        return clearDelta();
    }

    /** Whether the flag is enabled: true until a disable is seen that no enable observed. */
    public boolean value() {
        return store == null;
    }

    @Override
    public DWFlag bottom() {
        return EMPTY;
    }
}
