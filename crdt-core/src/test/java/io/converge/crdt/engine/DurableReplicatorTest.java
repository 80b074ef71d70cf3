package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.store.FsyncPolicy;
import io.converge.crdt.store.StoreConfig;
import io.converge.crdt.testing.InMemoryNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableReplicatorTest {
    private static final Key<ORSet<String>> CART = Key.of("cart", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));
    private static final Key<PNCounter> HITS = Key.of("hits", PNCounter.empty(), CrdtCodecs.pnCounter());

    @TempDir
    Path dir;

    private static CodecRegistry codecs() {
        return CodecRegistry.of(CrdtCodecs.orSet(ValueCodec.string()), CrdtCodecs.pnCounter());
    }

    private ReplicatorConfig.Builder durable(String name, StoreConfig store) {
        return ReplicatorConfig.builder(ReplicaId.of(name)).store(store).codecs(codecs())
                .sync(io.converge.crdt.protocol.SyncConfig.builder().ackTimeout(Duration.ofMillis(200)).build());
    }

    private StoreConfig store(String sub) {
        return StoreConfig.builder(dir.resolve(sub)).fsyncPolicy(FsyncPolicy.ALWAYS).build();
    }

    @Test
    void acknowledgedUpdatesSurviveARestart() {
        try (Replicator a = Replicator.start(durable("a", store("a")).build())) {
            a.update(CART, (s, r) -> s.add(r.self(), "milk"));
            a.update(CART, (s, r) -> s.add(r.self(), "eggs"));
            a.update(CART, (s, r) -> s.remove("milk"));
            a.update(HITS, (c, r) -> c.increment(r.self(), 7));
        }
        try (Replicator again = Replicator.start(durable("a", store("a")).build())) {
            assertEquals(Set.of("eggs"), again.get(CART).orElseThrow().value());
            assertEquals(7, again.get(HITS).orElseThrow().value());
            // New writes continue the sequence and the dots where they stopped.
            again.update(CART, (s, r) -> s.add(r.self(), "milk"));
            assertEquals(Set.of("eggs", "milk"), again.get(CART).orElseThrow().value());
        }
    }

    @Test
    void snapshotsAndTheLogTogetherRecoverEverything() {
        StoreConfig small = StoreConfig.builder(dir.resolve("s")).snapshotEveryRecords(7).build();
        Set<String> expected = new HashSet<>();
        try (Replicator a = Replicator.start(durable("a", small).build())) {
            for (int i = 0; i < 100; i++) {
                String e = "e" + i;
                a.update(CART, (s, r) -> s.add(r.self(), e));
                expected.add(e);
                if (i % 3 == 0) {
                    String gone = "e" + (i / 2);
                    a.update(CART, (s, r) -> s.remove(gone));
                    expected.remove(gone);
                }
            }
        }
        try (Replicator again = Replicator.start(durable("a", small).build())) {
            assertEquals(expected, again.get(CART).orElseThrow().value());
        }
    }

    @Test
    void writesMadeDuringAPartitionSurviveARestartAndReachPeersOnceBack() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(1);
        try (Replicator b = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("b")).transport(net.transport())
                .codecs(codecs()).sync(io.converge.crdt.protocol.SyncConfig.builder().ackTimeout(Duration.ofMillis(200)).build()).build())) {
            Replicator a = Replicator.start(durable("a", store("p")).transport(net.transport()).build());
            net.partition(Set.of(a.self()));
            a.update(CART, (s, r) -> s.add(r.self(), "written-while-cut-off"));
            a.close();
            assertTrue(b.get(CART).isEmpty());
            try (Replicator back = Replicator.start(durable("a", store("p")).transport(net.transport()).build())) {
                net.heal();
                Await.until("b receives what a wrote before its restart",
                        () -> b.get(CART).map(s -> s.contains("written-while-cut-off")).orElse(false));
            }
        }
    }

    @Test
    void expiriesSurviveARestart() throws InterruptedException {
        Key<PNCounter> lease = HITS.withTimeToLive(Duration.ofMillis(300));
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_700_000_000_000L);
        try (Replicator a = Replicator.start(durable("a", store("t")).clock(now::get).build())) {
            a.update(lease, (c, r) -> c.increment(r.self(), 1));
        }
        now.addAndGet(400); // the lease lapses while the node is down
        try (Replicator again = Replicator.start(durable("a", store("t")).clock(now::get).build())) {
            Await.until("the expired key is dropped at start", () -> again.get(lease).isEmpty());
        }
    }

    @Test
    void aKeyWithoutACodecCannotBeStored() {
        try (Replicator a = Replicator.start(durable("a", store("n")).build())) {
            Key<PNCounter> bare = Key.of("bare", PNCounter.empty());
            assertThrows(IllegalArgumentException.class, () -> a.update(bare, (c, r) -> c.increment(r.self(), 1)));
        }
    }
}
