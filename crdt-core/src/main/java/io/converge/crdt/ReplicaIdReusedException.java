package io.converge.crdt;

import io.converge.crdt.causal.ReplicaId;
import java.util.Objects;

/**
 * This replica's id was used before by a replica whose state is lost: a peer holds events
 * minted under the id that this replica never issued, or holds one of its dots with another
 * payload. Minting more dots under the id would reuse dots that peers already hold for other
 * writes, and the replicas would diverge for good (crdt.md §2: a replica that lost its durable
 * state must start with a new id). Thrown by every local update once detected; the operator
 * must restart the node under a new replica id (or with its lost store).
 */
public class ReplicaIdReusedException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    private final transient ReplicaId replica;

    /** The exception for {@code replica}, with the evidence found. */
    public ReplicaIdReusedException(ReplicaId replica, String evidence) {
        super("replica id " + Objects.requireNonNull(replica, "replica") + " was used before by a replica whose state"
                + " is lost (" + Objects.requireNonNull(evidence, "evidence") + "); restart this node under a new"
                + " replica id");
        this.replica = replica;
    }

    /** The reused id. */
    public ReplicaId replica() {
        return replica;
    }
}
