package io.converge.crdt.testing;

import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import java.util.Objects;

/**
 * What an {@link Operation} may use besides the state: the replica it runs on and that replica's
 * hybrid logical clock (driven by the test's simulated time).
 *
 * @param replica the replica performing the operation
 * @param clock the replica's clock
 */
public record OperationContext(ReplicaId replica, HybridLogicalClock clock) {
    /** @throws NullPointerException if an argument is null */
    public OperationContext {
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(clock, "clock");
    }
}
