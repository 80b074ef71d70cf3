package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.converge.crdt.causal.ReplicaId;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** A converged counter is always readable, even when its total leaves the range of a long. */
class CounterOverflowTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final BigInteger TWO_MAX = BigInteger.valueOf(Long.MAX_VALUE).shiftLeft(1);

    @Test
    void aGrowOnlyTotalAboveALongIsReadAsABigIntegerAndOthersKeepCounting() {
        GCounter a = GCounter.empty().increment(A, Long.MAX_VALUE);
        GCounter b = GCounter.empty().increment(B, Long.MAX_VALUE);
        GCounter both = a.join(b);
        assertEquals(TWO_MAX, both.bigValue());
        assertThrows(CounterOverflowException.class, both::value);
        GCounter more = both.join(both.increment(C, 5));
        assertEquals(TWO_MAX.add(BigInteger.valueOf(5)), more.bigValue(), "increments still work");
    }

    @Test
    void aPnCounterWhoseSidesOverflowButWhoseValueFitsReadsExactly() {
        PNCounter c = PNCounter.empty();
        c = c.join(c.increment(A, Long.MAX_VALUE)).join(c.increment(B, Long.MAX_VALUE));
        c = c.join(c.decrement(C, Long.MAX_VALUE));
        assertEquals(Long.MAX_VALUE, c.value(), "up and down each overflow; their difference does not");
        c = c.join(c.decrement(A, Long.MAX_VALUE));
        assertEquals(0, c.value());
        assertEquals(BigInteger.ZERO, c.bigValue());
    }

    @Test
    void aPnCounterAboveALongIsReadAsABigInteger() {
        PNCounter c = PNCounter.empty();
        c = c.join(c.increment(A, Long.MAX_VALUE)).join(c.increment(B, Long.MAX_VALUE));
        assertEquals(TWO_MAX, c.bigValue());
        assertThrows(CounterOverflowException.class, c::value);
        c = c.join(c.decrement(C, 1));
        assertEquals(TWO_MAX.subtract(BigInteger.ONE), c.bigValue());
    }

    @Test
    void aCausalCounterAboveALongIsReadAsABigInteger() {
        CausalCounter c = CausalCounter.empty();
        c = c.join(c.increment(A, Long.MAX_VALUE));
        c = c.join(c.increment(B, Long.MAX_VALUE));
        assertEquals(TWO_MAX, c.bigValue());
        assertThrows(CounterOverflowException.class, c::value);
    }
}
