package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.store.StoreConfig;
import io.converge.crdt.testing.InMemoryNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A value the frame codec cannot encode is refused at {@code update}, with a typed error,
 * before anything is applied, persisted or sent; the writes after it go on. Before: a
 * 70,000-character element was accepted, persisted and sent in a frame every peer refused, so
 * the peer never received another write from that node.
 */
class WriteTimeEncodabilityTest {
    private static final CrdtCodec<ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());
    private static final Key<ORSet<String>> CART = Key.of("cart", ORSet.<String>empty(), SET);
    private static final Key<GCounter> HITS = Key.of("hits", GCounter.empty(), CrdtCodecs.gCounter());
    private static final String LONE = "\uD800";
    private static final String HUGE = "x".repeat(70_000);

    @TempDir
    Path dir;

    private ReplicatorConfig.Builder durable(String name, CodecLimits limits) {
        return ReplicatorConfig.builder(ReplicaId.of(name)).codecLimits(limits)
                .store(StoreConfig.builder(dir.resolve(name)).build())
                .codecs(CodecRegistry.of(SET, CrdtCodecs.gCounter()));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aDurableReplicatorRefusesALoneSurrogateAndKeepsWriting() {
        try (Replicator r = Replicator.start(durable("a", CodecLimits.defaults()).build())) {
            r.update(CART, (s, c) -> s.add(c.self(), "milk"));
            EncodeException e = assertThrows(EncodeException.class, () -> r.update(CART, (s, c) -> s.add(c.self(), LONE)));
            assertTrue(e.getMessage().contains("surrogate"), e.getMessage());
            for (int i = 0; i < 20; i++) {
                r.update(HITS, (g, c) -> g.increment(c.self(), 1));
            }
            assertEquals(20, r.get(HITS).orElseThrow().value());
            assertEquals(java.util.Set.of("milk"), r.get(CART).orElseThrow().value());
        }
        try (Replicator again = Replicator.start(durable("a", CodecLimits.defaults()).build())) {
            assertEquals(20, again.get(HITS).orElseThrow().value(), "the 20 increments were persisted");
            assertEquals(java.util.Set.of("milk"), again.get(CART).orElseThrow().value());
        }
    }

    @Test
    void aBadUpdateFailsAloneInAGroupCommittedStep() {
        try (Replicator r = Replicator.start(durable("g", CodecLimits.defaults()).build())) {
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String v = i == 25 ? LONE : "e" + i;
                writes.add(r.updateAsync(CART, (s, c) -> s.add(c.self(), v)));
                writes.add(r.updateAsync(HITS, (g, c) -> g.increment(c.self(), 1)));
            }
            for (int i = 0; i < writes.size(); i++) {
                if (i == 50) {
                    CompletionException e = assertThrows(CompletionException.class, writes.get(i)::join);
                    assertInstanceOf(EncodeException.class, e.getCause());
                } else {
                    writes.get(i).join();
                }
            }
            assertEquals(49, r.get(CART).orElseThrow().size());
            assertEquals(50, r.get(HITS).orElseThrow().value());
        }
    }

    @Test
    void anElementAboveMaxStringBytesIsRefusedAtWriteUnlessTheLimitsAreRaised() {
        try (Replicator r = Replicator.start(durable("d", CodecLimits.defaults()).build())) {
            EncodeException e = assertThrows(EncodeException.class, () -> r.update(CART, (s, c) -> s.add(c.self(), HUGE)));
            assertEquals("maxStringBytes", e.limitName());
            assertEquals(70_000, e.size());
            assertTrue(r.get(CART).isEmpty(), "nothing applied");
        }
        CodecLimits raised = CodecLimits.builder().maxStringBytes(128 * 1024).build();
        try (Replicator r = Replicator.start(durable("r", raised).build())) {
            r.update(CART, (s, c) -> s.add(c.self(), HUGE));
            assertTrue(r.get(CART).orElseThrow().contains(HUGE));
        }
        try (Replicator again = Replicator.start(durable("r", raised).build())) {
            assertTrue(again.get(CART).orElseThrow().contains(HUGE), "persisted and read back under the same limits");
        }
    }

    /** Before, only deltas above 4 KiB were checked for depth (by decoding them at the write). */
    @Test
    void aSmallDeltaNestedDeeperThanPeersDecodeIsRefusedAtWrite() {
        CrdtCodec<ORMap<String, ORMap<String, ORSet<String>>>> nested = CrdtCodecs.orMap(ValueCodec.string(),
                CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string())));
        Key<ORMap<String, ORMap<String, ORSet<String>>>> deep = Key.of("deep",
                ORMap.<String, ORMap<String, ORSet<String>>>empty(ORMap.empty(ORSet.empty())), nested);
        CodecLimits shallow = CodecLimits.builder().maxDepth(2).build();
        try (Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("n")).codecLimits(shallow)
                .codecs(CodecRegistry.of(nested, SET)).build())) {
            EncodeException e = assertThrows(EncodeException.class, () -> r.update(deep,
                    (m, c) -> m.apply("a", inner -> inner.apply("b", set -> set.add(c.self(), "x")))));
            assertEquals("maxDepth", e.limitName());
            assertTrue(r.get(deep).isEmpty(), "nothing applied");
            r.update(CART, (s, c) -> s.add(c.self(), "milk"));
            assertTrue(r.get(CART).orElseThrow().contains("milk"), "the writes after it go on");
        }
    }

    @Test
    void aCounterEntryAboveTheBoundIsRefusedAtWrite() {
        try (Replicator r = Replicator.start(durable("c", CodecLimits.defaults()).build())) {
            EncodeException e = assertThrows(EncodeException.class, () -> r.update(HITS,
                    (g, c) -> GCounter.of(Map.of(c.self(), Long.MAX_VALUE))));
            assertEquals("maxCounter", e.limitName());
            r.update(HITS, (g, c) -> g.increment(c.self(), 3));
            assertEquals(3, r.get(HITS).orElseThrow().value());
            assertTrue(VersionVector.MAX_COUNTER > 3);
        }
    }

    @Test
    void overTheNetworkAPeerKeepsReceivingAfterARefusedWrite() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(1);
        CodecRegistry codecs = CodecRegistry.of(SET, CrdtCodecs.gCounter());
        ReplicatorConfig.Builder a = ReplicatorConfig.builder(ReplicaId.of("a")).transport(net.transport())
                .codecs(codecs).sync(io.converge.crdt.protocol.SyncConfig.builder().ackTimeout(Duration.ofMillis(200)).build());
        ReplicatorConfig.Builder b = ReplicatorConfig.builder(ReplicaId.of("b")).transport(net.transport())
                .codecs(CodecRegistry.of(SET, CrdtCodecs.gCounter()))
                .sync(io.converge.crdt.protocol.SyncConfig.builder().ackTimeout(Duration.ofMillis(200)).build());
        try (Replicator ra = Replicator.start(a.build()); Replicator rb = Replicator.start(b.build())) {
            assertThrows(EncodeException.class, () -> ra.update(CART, (s, c) -> s.add(c.self(), HUGE)));
            assertThrows(EncodeException.class, () -> ra.update(CART, (s, c) -> s.add(c.self(), LONE)));
            for (int i = 0; i < 20; i++) {
                ra.update(HITS, (g, c) -> g.increment(c.self(), 1));
            }
            await("b receives the 20 increments", () -> rb.get(HITS).map(g -> g.value() == 20).orElse(false));
            assertEquals(0, rb.stats().framesRejected(), "no frame refused");
            assertFalse(rb.get(CART).isPresent());
        }
    }
}
