package io.converge.net;

import io.converge.crdt.causal.ReplicaId;
import java.util.Objects;
import java.util.Set;

/**
 * One member of the cluster as a node sees it now: what the replicated member record says (id,
 * name, address, incarnation, status, roles) plus whether this node reaches it now. Immutable.
 *
 * @param id the member's replica id
 * @param name its human name (the node's {@code name} setting)
 * @param address where it listens ({@code host:port}, as its transport reports it), or {@code "in-jvm"}
 *     when the transport reports none
 * @param incarnation which start of the replica the record describes; grows with each restart
 * @param status its status in the record
 * @param reachable whether this node has it admitted and in its view now (always true for itself);
 *     an unreachable member with a counted status still counts in {@code N}
 * @param roles its roles
 */
public record Member(ReplicaId id, String name, String address, long incarnation, MemberStatus status,
        boolean reachable, Set<String> roles) {
    /** Checks and copies the components. */
    public Member {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(status, "status");
        roles = Set.copyOf(roles);
    }

    /** Whether it counts in {@code N}: status UP or LEAVING, reachable or not. */
    public boolean counted() {
        return status.counted();
    }
}
