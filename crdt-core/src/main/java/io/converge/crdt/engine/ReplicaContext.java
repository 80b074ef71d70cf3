package io.converge.crdt.engine;

import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;

/**
 * What a {@link Mutator} needs besides the value: this node's replica id (the author of new
 * dots) and its hybrid logical clock (for last-writer-wins stamps).
 *
 * @param self this node's replica id
 * @param clock this node's clock
 */
public record ReplicaContext(ReplicaId self, HybridLogicalClock clock) {
}
