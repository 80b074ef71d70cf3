package io.converge.net.consistency;
public interface MemberView {
    /** The other members counted in N: status Up or Leaving, reachable or not (never this node). */
    java.util.Set<io.converge.crdt.causal.ReplicaId> countedPeers();
    /** Of countedPeers, those reachable (admitted and in the view) now. */
    java.util.Set<io.converge.crdt.causal.ReplicaId> reachablePeers();
}
