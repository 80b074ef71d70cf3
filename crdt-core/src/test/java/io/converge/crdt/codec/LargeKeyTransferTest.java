package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.testing.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * What a sender could write, a receiver under equal limits can read: a key holding more
 * elements than {@link CodecLimits#maxElements()} (an ORSet of 110,000 short strings, default
 * limit 100,000) travels in {@code StatePart}s of at most {@code maxEntriesPerMessage} entries,
 * and {@code maxElements} bounds each message, never the reassembled key, which is joined in
 * memory without being decoded again.
 */
class LargeKeyTransferTest {
    private static final CrdtCodec<ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());
    private static final Key<ORSet<String>> BIG = Key.of("big", ORSet.<String>empty(), SET);
    private static final int N = 110_000;

    private static ReplicatorConfig config(String name, InMemoryNetwork net) {
        return ReplicatorConfig.builder(ReplicaId.of(name)).transport(net.transport()).codecs(CodecRegistry.of(SET))
                .sync(SyncConfig.builder().ackTimeout(Duration.ofMillis(500)).build())
                .updateTimeout(Duration.ofSeconds(60)).build();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aKeyAboveMaxElementsReachesAPeerThatIsUpAndANewPeer() throws InterruptedException {
        assertTrue(N > CodecLimits.defaults().maxElements());
        InMemoryNetwork net = new InMemoryNetwork(7);
        List<String> elements = new ArrayList<>(N);
        for (int i = 0; i < N; i++) {
            elements.add("e" + i);
        }
        try (Replicator a = Replicator.start(config("a", net)); Replicator b = Replicator.start(config("b", net))) {
            // One update, one delta of 110,000 entries: accepted by the writer...
            a.update(BIG, (s, r) -> s.addAll(r.self(), elements));
            assertEquals(N, a.get(BIG).orElseThrow().size());
            // ...so readable by a peer that is up (the delta goes as a transfer in parts)...
            await("b holds the whole key", () -> b.get(BIG).map(s -> s.size() == N).orElse(false));
            try (Replicator c = Replicator.start(config("c", net))) {
                // ...and by a peer that joins afterwards.
                await("c holds the whole key", () -> c.get(BIG).map(s -> s.size() == N).orElse(false));
                assertEquals(a.get(BIG), c.get(BIG));
                assertEquals(0, c.stats().framesRejected(), "no frame refused by c");
            }
            assertEquals(a.get(BIG), b.get(BIG));
            assertEquals(0, b.stats().framesRejected(), "no frame refused by b");
            assertTrue(net.largestFrame() <= CodecLimits.defaults().maxFrameBytes() / 2, "largest frame " + net.largestFrame());
        }
    }

    @Test
    void aMessageEntryBoundAboveMaxElementsIsRefusedAtBuild() {
        ReplicatorConfig.Builder b = ReplicatorConfig.builder(ReplicaId.of("a"))
                .codecLimits(CodecLimits.builder().maxElements(100).build())
                .sync(SyncConfig.builder().maxEntriesPerMessage(500).build());
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, b::build);
        assertTrue(e.getMessage().contains("maxElements"), e.getMessage());
        ReplicatorConfig.builder(ReplicaId.of("a")).codecLimits(CodecLimits.builder().maxElements(100).build())
                .sync(SyncConfig.builder().maxEntriesPerMessage(100).build()).build();
    }
}
