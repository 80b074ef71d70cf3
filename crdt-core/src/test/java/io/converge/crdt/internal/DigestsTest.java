package io.converge.crdt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import java.time.DayOfWeek;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DigestsTest {
    /**
     * Pinned values, computed once: an enum's {@code hashCode} is an identity hash that changes
     * from one JVM to the next, so a digest built on it made replicas holding equal sets of enums
     * disagree for ever (and repair each other by full-state transfers).
     */
    @Test
    void aDigestOfAnEnumIsTheSameInEveryJvm() {
        assertEquals(-5641864075347532689L, Digests.ofObject(TimeUnit.SECONDS));
        assertEquals(906805793750712781L, Digests.ofObject(DayOfWeek.MONDAY));
    }

    @Test
    void equalSetsOfEnumsHaveEqualDigestsWhateverTheirHistory() {
        ReplicaId a = ReplicaId.of("a");
        ReplicaId b = ReplicaId.of("b");
        ORSet<DayOfWeek> one = ORSet.<DayOfWeek>empty().add(a, DayOfWeek.MONDAY);
        one = one.join(one.add(b, DayOfWeek.FRIDAY));
        ORSet<DayOfWeek> two = ORSet.<DayOfWeek>empty().add(a, DayOfWeek.MONDAY);
        two = two.join(one);
        assertEquals(one, two);
        assertEquals(one.digest(), two.digest());
    }
}
