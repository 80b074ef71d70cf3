package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;

/**
 * The one bound of every per-replica entry, {@link VersionVector#MAX_COUNTER} (2<sup>62</sup>),
 * as the mutators enforce it: an update that would take a replica's count or dot counter beyond
 * it is refused with {@link CounterOverflowException} and changes nothing. Decoders refuse
 * entries beyond it too, so no state a peer sends can make a later update overflow.
 */
final class Bounds {
    private Bounds() {
    }

    /**
     * {@code current + amount}, a replica's new count.
     *
     * @throws CounterOverflowException if beyond the bound
     */
    static long add(long current, long amount, ReplicaId replica, String what) {
        if (amount > VersionVector.MAX_COUNTER - current) {
            throw new CounterOverflowException("the " + what + " of " + replica + " would pass the bound of 2^62 ("
                    + current + " + " + amount + ")");
        }
        return current + amount;
    }

    /**
     * The next dot {@code replica} mints in {@code context}.
     *
     * @throws CounterOverflowException if its counter would pass the bound
     */
    static Dot nextDot(CausalContext context, ReplicaId replica) {
        long max = context.max(replica);
        if (max >= VersionVector.MAX_COUNTER) {
            throw new CounterOverflowException("the dot counter of " + replica + " would pass the bound of 2^62: "
                    + "this replica can no longer write this key");
        }
        return new Dot(replica, max + 1);
    }
}
