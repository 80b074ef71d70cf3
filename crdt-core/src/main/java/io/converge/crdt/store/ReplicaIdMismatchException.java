package io.converge.crdt.store;

import io.converge.crdt.causal.ReplicaId;
import java.nio.file.Path;

/**
 * A store was opened as one replica but belongs to another: its identity file names a different
 * replica id. A store is never merged into a foreign replica: that replica's dots would then be
 * minted by two nodes. Nothing on disk was changed.
 *
 * <p>Open the store as the replica it names ({@link LocalStore#replicaIdFor} reads it), point the
 * node at its own directory, or deliberately make the store a new replica with
 * {@link StoreConfig.Builder#recoverAsNewReplica}.
 */
public final class ReplicaIdMismatchException extends StoreIdentityException {
    private static final long serialVersionUID = 1L;

    private final transient ReplicaId storedId;
    private final transient ReplicaId requestedId;

    /** An exception naming the store and both ids. */
    public ReplicaIdMismatchException(Path directory, ReplicaId storedId, ReplicaId requestedId) {
        super("store " + directory + " belongs to replica " + storedId + ", not " + requestedId
                + ": a store is never merged into another replica; open it as " + storedId
                + ", or make it a new replica with StoreConfig.Builder.recoverAsNewReplica(" + requestedId + ")");
        this.storedId = storedId;
        this.requestedId = requestedId;
    }

    /** The replica id the store's identity file names. */
    public ReplicaId storedId() {
        return storedId;
    }

    /** The replica id the store was opened as. */
    public ReplicaId requestedId() {
        return requestedId;
    }
}
