package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.testing.InMemoryNetwork;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A node with a million keys, and a new node catching up with it through bounded messages. Heavy
 * (a few GB of heap, tens of seconds): runs with {@code -Pscale} (see docs/testing.md), not in the
 * default build. Timing here is reported, not asserted beyond generous bounds: the performance
 * targets are checked by the benchmarks.
 */
@EnabledIfSystemProperty(named = "converge.scale", matches = "true")
class ScaleTest {
    private static final int KEYS = Integer.getInteger("converge.scale.keys", 1_000_000);

    @Test
    void aNewNodeCatchesUpWithAMillionKeysThroughBoundedMessages() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(1);
        LongAdder messages = new LongAdder();
        ReplicatorConfig.Builder base = ReplicatorConfig.builder(ReplicaId.of("big"))
                .codecs(CodecRegistry.of(CrdtCodecs.pnCounter())).updateTimeout(Duration.ofMinutes(1));
        try (Replicator big = Replicator.start(base.transport(net.transport()).build())) {
            long t0 = System.nanoTime();
            for (int i = 0; i < KEYS; i++) {
                Key<PNCounter> k = Key.of("k" + i, PNCounter.empty(), CrdtCodecs.pnCounter());
                big.updateAsync(k, (c, r) -> c.increment(r.self(), 1));
            }
            big.update(Key.of("k0", PNCounter.empty(), CrdtCodecs.pnCounter()), (c, r) -> c.increment(r.self(), 1));
            long loaded = System.nanoTime() - t0;
            assertEquals(KEYS, big.size());
            System.out.printf("SCALE: %,d keys written in %d ms%n", KEYS, TimeUnit.NANOSECONDS.toMillis(loaded));

            long sentBefore = net.sent();
            long t1 = System.nanoTime();
            try (Replicator fresh = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("fresh"))
                    .codecs(CodecRegistry.of(CrdtCodecs.pnCounter())).transport(net.transport()).build())) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (fresh.size() < KEYS || fresh.stats().storeDigest() != big.stats().storeDigest()) {
                    assertTrue(System.nanoTime() < deadline, "caught up within 120 s; has " + fresh.size());
                    Thread.sleep(20);
                }
                long caughtUp = System.nanoTime() - t1;
                messages.add(net.sent() - sentBefore);
                System.out.printf("SCALE: new node caught up with %,d keys in %d ms, %,d frames, largest %d bytes%n",
                        KEYS, TimeUnit.NANOSECONDS.toMillis(caughtUp), messages.sum(), net.largestFrame());
                assertTrue(net.largestFrame() <= io.converge.crdt.codec.CodecLimits.defaults().maxFrameBytes(),
                        "every frame within the receiver's limit");
            }
        }
    }

    @Test
    void aReplicaRecoversALogOfAMillionRecords(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        io.converge.crdt.codec.CrdtCodec<PNCounter> codec = io.converge.crdt.codec.CrdtCodecs.pnCounter();
        ReplicatorConfig config = ReplicatorConfig.builder(ReplicaId.of("durable"))
                .store(io.converge.crdt.store.StoreConfig.builder(dir)
                        .fsyncPolicy(io.converge.crdt.store.FsyncPolicy.NEVER)
                        .snapshotEveryRecords(Long.MAX_VALUE).snapshotEveryBytes(Long.MAX_VALUE).build())
                .codecs(io.converge.crdt.codec.CodecRegistry.of(codec)).updateTimeout(Duration.ofMinutes(2)).build();
        int records = KEYS;
        try (Replicator r = Replicator.start(config)) {
            java.util.concurrent.CompletableFuture<PNCounter> last = null;
            for (int i = 0; i < records; i++) {
                Key<PNCounter> k = Key.of("k" + (i % 10_000), PNCounter.empty(), codec);
                last = r.updateAsync(k, (c, ctx) -> c.increment(ctx.self(), 1));
            }
            last.join();
        }
        long t0 = System.nanoTime();
        try (Replicator again = Replicator.start(config)) {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            long total = 0;
            for (int i = 0; i < 10_000; i++) {
                total += again.get(Key.of("k" + i, PNCounter.empty(), codec)).orElseThrow().value();
            }
            assertEquals(records, total);
            System.out.printf("SCALE: replicator recovered a log of %,d records (10,000 keys) in %d ms%n", records, ms);
        }
    }
}
