package io.converge.crdt.causal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class HybridLogicalClockProperties {
    /** Physical clock readings that jump forwards and backwards, as NTP corrections do. */
    @Provide
    Arbitrary<List<Long>> jumps() {
        return Arbitraries.longs().between(-50, 50).list().ofMinSize(1).ofMaxSize(200);
    }

    @Property
    void timestampsAreStrictlyIncreasingWhateverThePhysicalClockDoes(@ForAll("jumps") List<Long> jumps) {
        long[] now = {1_000_000};
        HybridLogicalClock clock = HybridLogicalClock.of(() -> now[0], 500, HlcTimestamp.ZERO);
        HlcTimestamp last = HlcTimestamp.ZERO;
        for (long j : jumps) {
            now[0] = Math.max(0, now[0] + j);
            HlcTimestamp t = clock.now();
            assertTrue(t.compareTo(last) > 0, t + " after " + last);
            assertTrue(t.millis() >= now[0], "logical time never falls behind physical time");
            last = t;
        }
    }

    @Property
    void aReceivedTimestampOrdersEveryLaterLocalEvent(@ForAll("jumps") List<Long> jumps,
            @ForAll("offsets") long senderOffset) {
        long[] now = {1_000_000};
        HybridLogicalClock sender = HybridLogicalClock.of(() -> now[0] + senderOffset, 500, HlcTimestamp.ZERO);
        HybridLogicalClock receiver = HybridLogicalClock.of(() -> now[0], 500, HlcTimestamp.ZERO);
        for (long j : jumps) {
            now[0] = Math.max(0, now[0] + Math.abs(j));
            HlcTimestamp sent = sender.now();
            assertTrue(receiver.observe(sent), "skew within the bound is absorbed");
            HlcTimestamp after = receiver.now();
            assertTrue(after.compareTo(sent) > 0, "e → f implies hlc(e) < hlc(f): " + sent + " then " + after);
            // And the other way round.
            assertTrue(sender.observe(after));
            assertTrue(sender.now().compareTo(after) > 0);
        }
    }

    @Provide
    Arbitrary<Long> offsets() {
        return Arbitraries.longs().between(-400, 400);
    }

    @Property
    void theLogicalPartStaysWithinTheOffsetBoundOfPhysicalTime(@ForAll("jumps") List<Long> jumps) {
        long[] now = {1_000_000};
        HybridLogicalClock peer = HybridLogicalClock.of(() -> now[0] + 300, 500, HlcTimestamp.ZERO);
        HybridLogicalClock clock = HybridLogicalClock.of(() -> now[0], 500, HlcTimestamp.ZERO);
        for (long j : jumps) {
            now[0] += Math.abs(j);
            clock.observe(peer.now());
            HlcTimestamp t = clock.now();
            assertTrue(t.millis() - now[0] <= 500, "l − pt ≤ ε");
        }
    }

    @Example
    void aStampTooFarInTheFutureIsNotAbsorbed() {
        long[] now = {1_000_000};
        HybridLogicalClock clock = HybridLogicalClock.of(() -> now[0], 500, HlcTimestamp.ZERO);
        HlcTimestamp future = HlcTimestamp.of(now[0] + 10_000, 0);
        assertFalse(clock.observe(future));
        assertTrue(clock.now().millis() < future.millis(), "the clock was not dragged into the future");
    }

    @Example
    void theCounterOrdersEventsWithinOneMillisecond() {
        HybridLogicalClock clock = HybridLogicalClock.of(() -> 5_000, 500, HlcTimestamp.ZERO);
        assertEquals(HlcTimestamp.of(5_000, 0), clock.now());
        assertEquals(HlcTimestamp.of(5_000, 1), clock.now());
        assertEquals(HlcTimestamp.of(5_000, 2), clock.now());
    }

    @Example
    void aRestartedClockContinuesAfterItsLastIssuedStamp() {
        HlcTimestamp persisted = HlcTimestamp.of(9_000, 7);
        HybridLogicalClock clock = HybridLogicalClock.of(() -> 8_000, 500, persisted);
        assertTrue(clock.now().compareTo(persisted) > 0);
    }

    @Example
    void packedTimestampsOrderLikeTheirParts() {
        assertTrue(HlcTimestamp.of(1, 65535).compareTo(HlcTimestamp.of(2, 0)) < 0);
        assertEquals(123, HlcTimestamp.of(123, 4).millis());
        assertEquals(4, HlcTimestamp.of(123, 4).counter());
    }
}
