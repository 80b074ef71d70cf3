package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * A converged counter is always readable, even when its total leaves the range of a long: each
 * replica counts up to {@link VersionVector#MAX_COUNTER} (2^62), so three replicas at the bound
 * already pass {@link Long#MAX_VALUE}.
 */
class CounterOverflowTest {
    private static final long MAX = VersionVector.MAX_COUNTER;
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final ReplicaId D = ReplicaId.of("d");
    private static final BigInteger THREE_MAX = BigInteger.valueOf(MAX).multiply(BigInteger.valueOf(3));

    @Test
    void aGrowOnlyTotalAboveALongIsReadAsABigIntegerAndOthersKeepCounting() {
        GCounter all = GCounter.empty();
        for (ReplicaId r : new ReplicaId[] {A, B, C}) {
            all = all.join(GCounter.empty().increment(r, MAX));
        }
        assertEquals(THREE_MAX, all.bigValue());
        GCounter full = all;
        assertThrows(CounterOverflowException.class, full::value);
        GCounter more = all.join(all.increment(D, 5));
        assertEquals(THREE_MAX.add(BigInteger.valueOf(5)), more.bigValue(), "increments still work");
        assertThrows(CounterOverflowException.class, () -> full.increment(A, 1), "a replica at the bound stops");
    }

    @Test
    void aPnCounterWhoseSidesOverflowButWhoseValueFitsReadsExactly() {
        PNCounter c = PNCounter.empty();
        c = c.join(c.increment(A, MAX)).join(c.increment(B, MAX));
        c = c.join(c.decrement(C, MAX));
        assertEquals(MAX, c.value(), "the increments' sum overflows a long; the value does not");
        c = c.join(c.decrement(A, MAX));
        assertEquals(0, c.value());
        assertEquals(BigInteger.ZERO, c.bigValue());
    }

    @Test
    void aPnCounterAboveALongIsReadAsABigInteger() {
        PNCounter c = PNCounter.empty();
        c = c.join(c.increment(A, MAX)).join(c.increment(B, MAX)).join(c.increment(C, MAX));
        assertEquals(THREE_MAX, c.bigValue());
        assertThrows(CounterOverflowException.class, c::value);
        c = c.join(c.decrement(D, 1));
        assertEquals(THREE_MAX.subtract(BigInteger.ONE), c.bigValue());
    }

    @Test
    void aCausalCounterAboveALongIsReadAsABigInteger() {
        CausalCounter c = CausalCounter.empty();
        c = c.join(c.increment(A, MAX));
        c = c.join(c.increment(B, MAX));
        c = c.join(c.increment(C, MAX));
        assertEquals(THREE_MAX, c.bigValue());
        assertThrows(CounterOverflowException.class, c::value);
    }
}
