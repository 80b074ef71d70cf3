package io.converge.net;

import io.converge.crdt.ConvergeException;
import io.converge.crdt.CrdtTypeMismatchException;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Key;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Too few members answered a read before its {@link ReadConsistency} timeout passed, or every
 * counted peer was asked before it and too few could answer (waiting could not help). It carries
 * {@link #localValue()}: the local state when the read gave up, which already holds whatever the
 * peers that did answer sent (read repair keeps it), so a caller may fall back to it knowingly.
 */
public final class ReadTimeoutException extends ConvergeException {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final int answered;
    private final int required;
    private final transient Set<ReplicaId> pendingPeers;
    private final transient ReplicatedData<?> localValue;

    /**
     * {@code answered} members (this node included) of the {@code required} answered a read of
     * {@code key}; {@code pendingPeers} are the counted members that had not; {@code localValue}
     * is the local state then.
     */
    public ReadTimeoutException(String key, int answered, int required, Set<ReplicaId> pendingPeers,
            Optional<? extends ReplicatedData<?>> localValue) {
        super("read of '" + Objects.requireNonNull(key, "key") + "' answered by " + answered + " of the " + required
                + " members required; pending: " + new TreeSet<>(pendingPeers));
        this.key = key;
        this.answered = answered;
        this.required = required;
        this.pendingPeers = Collections.unmodifiableSortedSet(new TreeSet<>(pendingPeers));
        this.localValue = Objects.requireNonNull(localValue, "localValue").orElse(null);
    }

    /** The key read. */
    public String key() {
        return key;
    }

    /** Members that answered in time, this node included. */
    public int answered() {
        return answered;
    }

    /** Members the consistency level required, this node included. */
    public int required() {
        return required;
    }

    /** The counted members that had not answered, reachable or not, in replica id order. */
    public Set<ReplicaId> pendingPeers() {
        return pendingPeers;
    }

    /** The local state when the read gave up (joined with what answered), empty if the key holds nothing here. */
    public Optional<ReplicatedData<?>> localValue() {
        return Optional.ofNullable(localValue);
    }

    /**
     * {@link #localValue()} as {@code key}'s type.
     *
     * @throws CrdtTypeMismatchException if it holds another type
     * @throws IllegalArgumentException if {@code key} is not the key read
     */
    @SuppressWarnings("unchecked")
    public <S extends ReplicatedData<S>> Optional<S> localValue(Key<S> key) {
        Objects.requireNonNull(key, "key");
        if (!key.name().equals(this.key)) {
            throw new IllegalArgumentException("this read was of '" + this.key + "', not '" + key.name() + "'");
        }
        if (localValue != null && localValue.getClass() != key.bottom().getClass()) {
            throw new CrdtTypeMismatchException("key '" + this.key + "' holds a " + localValue.getClass().getSimpleName()
                    + ", not a " + key.bottom().getClass().getSimpleName());
        }
        return Optional.ofNullable((S) localValue);
    }
}
