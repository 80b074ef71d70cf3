package io.converge.net;

import io.converge.crdt.ConvergeException;
import io.converge.crdt.causal.ReplicaId;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Too few members held a write when its {@link WriteConsistency} timeout passed. Nothing is rolled
 * back: the write was applied here first (unless {@link #acknowledged()} is 0, when even the local
 * write had not finished; it may still apply) and keeps spreading by anti-entropy, so it reaches
 * the pending members once they are reachable. Retrying the same mutation is safe only if it is
 * idempotent (an add to a set is; an increment is not).
 */
public final class WriteTimeoutException extends ConvergeException {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final int acknowledged;
    private final int required;
    private final transient Set<ReplicaId> pendingPeers;

    /**
     * {@code acknowledged} members (this node included) of the {@code required} held the write of
     * {@code key}; {@code pendingPeers} are the counted members that had not.
     */
    public WriteTimeoutException(String key, int acknowledged, int required, Set<ReplicaId> pendingPeers) {
        super("write of '" + Objects.requireNonNull(key, "key") + "' held by " + acknowledged + " of the " + required
                + " members required when its timeout passed; pending: " + new TreeSet<>(pendingPeers)
                + ". It stays applied and keeps spreading");
        this.key = key;
        this.acknowledged = acknowledged;
        this.required = required;
        this.pendingPeers = Collections.unmodifiableSortedSet(new TreeSet<>(pendingPeers));
    }

    /** The key written. */
    public String key() {
        return key;
    }

    /** Members that held the write in time, this node included (0 if the local write had not finished). */
    public int acknowledged() {
        return acknowledged;
    }

    /** Members the consistency level required, this node included. */
    public int required() {
        return required;
    }

    /** The counted members that had not acknowledged the write, reachable or not, in replica id order. */
    public Set<ReplicaId> pendingPeers() {
        return pendingPeers;
    }
}
