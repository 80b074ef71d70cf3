package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.ReplicaId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The reserved key namespace of {@link ReplicatorConfig.Builder#reservedKeys}, and clock skew events. */
class ReservedKeysTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final Key<GCounter> RESERVED = Key.of("$members", GCounter.empty());
    private static final Key<GCounter> USER = Key.of("members", GCounter.empty());

    @Test
    void publicUpdatesOfAReservedKeyAreRefusedAndChangeNothing() {
        ReservedKeys ns = ReservedKeys.prefix("$");
        try (Replicator r = Replicator.start(ReplicatorConfig.builder(A).reservedKeys(ns).build())) {
            r.updateReserved(ns, RESERVED, (c, ctx) -> c.increment(ctx.self(), 1)).join();
            assertThrows(ReservedKeyException.class, () -> r.update(RESERVED, (c, ctx) -> c.increment(ctx.self(), 5)));
            assertThrows(ReservedKeyException.class, () -> r.updateAsync(RESERVED, (c, ctx) -> c.increment(ctx.self(), 5)));
            assertThrows(ReservedKeyException.class,
                    () -> r.updateTracked(RESERVED, (c, ctx) -> c.increment(ctx.self(), 5)));
            assertEquals(1, r.get(RESERVED).orElseThrow().value());
            r.update(USER, (c, ctx) -> c.increment(ctx.self(), 2)); // outside the prefix: a user's key
            assertEquals(2, r.get(USER).orElseThrow().value());
        }
    }

    @Test
    void onlyTheConfiguredCapabilityWritesTheNamespace() {
        ReservedKeys ns = ReservedKeys.prefix("$");
        ReservedKeys forged = ReservedKeys.prefix("$");
        try (Replicator r = Replicator.start(ReplicatorConfig.builder(A).reservedKeys(ns).build())) {
            assertThrows(ReservedKeyException.class,
                    () -> r.updateReserved(forged, RESERVED, (c, ctx) -> c.increment(ctx.self(), 1)));
            assertThrows(ReservedKeyException.class,
                    () -> r.updateReserved(ns, USER, (c, ctx) -> c.increment(ctx.self(), 1)));
            assertEquals(Optional.empty(), r.get(RESERVED));
            assertEquals(Optional.empty(), r.get(USER));
        }
        try (Replicator r = Replicator.start(ReplicatorConfig.builder(A).build())) {
            assertThrows(ReservedKeyException.class,
                    () -> r.updateReserved(ns, RESERVED, (c, ctx) -> c.increment(ctx.self(), 1)));
            r.update(RESERVED, (c, ctx) -> c.increment(ctx.self(), 1)); // nothing reserved here
        }
    }

    @Test
    void aWriteOverAStampFarAheadIsReportedAsClockSkew() throws InterruptedException {
        List<ReplicatorEvent> events = new CopyOnWriteArrayList<>();
        Key<LWWRegister<String>> reg = Key.of("reg", LWWRegister.<String>empty());
        try (Replicator r = Replicator.start(ReplicatorConfig.builder(A).eventListener(events::add)
                .clock(() -> 1_000_000L).maxClockOffset(java.time.Duration.ofMillis(500)).build())) {
            HlcTimestamp ahead = HlcTimestamp.of(1_000_000L + 60_000, 0);
            r.update(reg, (s, ctx) -> LWWRegister.of(ahead, ReplicaId.of("peer"), "from the future"));
            r.update(reg, (s, ctx) -> s.write(ctx.self(), ctx.clock(), "mine"));
            r.update(reg, (s, ctx) -> s.write(ctx.self(), ctx.clock(), "again")); // folded into the next event
            Await.until("a clock skew event", () -> !events.isEmpty());
            ReplicatorEvent.ClockSkewDetected e = (ReplicatorEvent.ClockSkewDetected) events.get(0);
            assertEquals(ahead, e.remote());
            assertEquals(60_000, e.aheadMillis());
            assertEquals(500, e.maxOffsetMillis());
            assertTrue(r.clock().last().millis() < ahead.millis(), "the skewed stamp was not absorbed");
        }
        assertFalse(events.size() > 1, "one event within the rate limit: " + events);
    }
}
