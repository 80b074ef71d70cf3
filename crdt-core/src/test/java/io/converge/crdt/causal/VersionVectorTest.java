package io.converge.crdt.causal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionVectorTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    @Test
    void mergeTakesThePointwiseMaximum() {
        VersionVector x = VersionVector.of(Map.of(A, 3L, B, 1L));
        VersionVector y = VersionVector.of(Map.of(A, 1L, B, 4L));
        assertEquals(VersionVector.of(Map.of(A, 3L, B, 4L)), x.merge(y));
        assertTrue(x.isConcurrentWith(y));
    }

    @Test
    void mergeWithADominatedVectorReturnsTheDominatingOneItself() {
        VersionVector x = VersionVector.of(Map.of(A, 3L, B, 4L));
        VersionVector y = VersionVector.of(Map.of(A, 1L));
        assertSame(x, x.merge(y));
        assertSame(x, y.merge(x));
        assertTrue(y.isLessOrEqual(x));
        assertFalse(x.isLessOrEqual(y));
    }

    @Test
    void zeroEntriesAreDroppedSoEqualVectorsAreEqual() {
        assertEquals(VersionVector.empty(), VersionVector.of(Map.of(A, 0L)));
        assertEquals(VersionVector.empty().with(A, 2), VersionVector.of(Map.of(A, 2L, B, 0L)));
    }

    @Test
    void negativeCountersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> VersionVector.of(Map.of(A, -1L)));
        assertThrows(IllegalArgumentException.class, () -> VersionVector.empty().with(A, -1));
    }

    @Test
    void sumOverflowIsAnArithmeticError() {
        VersionVector v = VersionVector.of(Map.of(A, Long.MAX_VALUE, B, 1L));
        assertThrows(ArithmeticException.class, v::sum);
    }
}
