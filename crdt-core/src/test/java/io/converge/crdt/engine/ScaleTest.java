package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.Transport;
import io.converge.crdt.testing.InMemoryNetwork;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
        AtomicInteger largest = new AtomicInteger();
        ReplicatorConfig.Builder base = ReplicatorConfig.builder(ReplicaId.of("big"))
                .updateTimeout(Duration.ofMinutes(1));
        try (Replicator big = Replicator.start(base.transport(net.transport()).build())) {
            long t0 = System.nanoTime();
            for (int i = 0; i < KEYS; i++) {
                Key<PNCounter> k = Key.of("k" + i, PNCounter.empty());
                big.updateAsync(k, (c, r) -> c.increment(r.self(), 1));
            }
            big.update(Key.of("k0", PNCounter.empty()), (c, r) -> c.increment(r.self(), 1));
            long loaded = System.nanoTime() - t0;
            assertEquals(KEYS, big.size());
            System.out.printf("SCALE: %,d keys written in %d ms%n", KEYS, TimeUnit.NANOSECONDS.toMillis(loaded));

            Transport counting = counting(net.transport(), messages, largest);
            long t1 = System.nanoTime();
            try (Replicator fresh = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("fresh"))
                    .transport(counting).build())) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (fresh.size() < KEYS || fresh.machine().storeDigest() != big.machine().storeDigest()) {
                    assertTrue(System.nanoTime() < deadline, "caught up within 120 s; has " + fresh.size());
                    Thread.sleep(20);
                }
                long caughtUp = System.nanoTime() - t1;
                System.out.printf("SCALE: new node caught up with %,d keys in %d ms, %,d messages, largest %d entries%n",
                        KEYS, TimeUnit.NANOSECONDS.toMillis(caughtUp), messages.sum(), largest.get());
                assertTrue(largest.get() <= 500, "every message bounded by maxEntriesPerMessage");
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

    private static Transport counting(Transport inner, LongAdder messages, AtomicInteger largest) {
        return new Transport() {
            @Override
            public void start(ReplicaId self, Receiver receiver) {
                inner.start(self, new Receiver() {
                    @Override
                    public void received(ReplicaId from, Message message) {
                        messages.increment();
                        largest.accumulateAndGet(message.entries(), Math::max);
                        receiver.received(from, message);
                    }

                    @Override
                    public void peerUp(ReplicaId peer) {
                        receiver.peerUp(peer);
                    }

                    @Override
                    public void peerDown(ReplicaId peer) {
                        receiver.peerDown(peer);
                    }
                });
            }

            @Override
            public void send(ReplicaId to, Message message) {
                messages.increment();
                largest.accumulateAndGet(message.entries(), Math::max);
                inner.send(to, message);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }
}
