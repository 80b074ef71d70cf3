package io.converge.crdt.engine;

import io.converge.crdt.ConvergeException;
import io.converge.crdt.causal.ReplicaId;
import java.util.Set;

/**
 * Too few peers acknowledged a position within the timeout. Nothing is rolled back: the write
 * stays applied here and keeps spreading by anti-entropy; {@link #acknowledged()} says who had it.
 */
public final class AcknowledgementTimeoutException extends ConvergeException {
    private static final long serialVersionUID = 1L;
    private final transient Set<ReplicaId> acknowledged;
    private final int required;

    /** {@code acknowledged} of the {@code required} peers acknowledged {@code position} in time. */
    public AcknowledgementTimeoutException(long position, Set<ReplicaId> acknowledged, int required) {
        super("position " + position + " acknowledged by " + acknowledged.size() + " of the " + required
                + " peers required: " + acknowledged);
        this.acknowledged = Set.copyOf(acknowledged);
        this.required = required;
    }

    /** The peers that acknowledged in time. */
    public Set<ReplicaId> acknowledged() {
        return acknowledged;
    }

    /** How many were required. */
    public int required() {
        return required;
    }
}
