package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.store.FsyncPolicy;
import io.converge.crdt.store.StoreConfig;
import io.converge.crdt.testing.InMemoryNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key that expired on a node, whose records a snapshot then truncated, written again after the
 * node restarts: the dot floor persisted with the snapshot keeps the new life's dots above the
 * old ones, so a peer that has not expired the key yet takes the write without a conflict.
 * Each node has its own clock, moved by the test.
 */
class ExpiredKeyRestartTest {
    private static final Key<ORSet<String>> SESSION = Key.of("session", ORSet.<String>empty(),
            CrdtCodecs.orSet(ValueCodec.string())).withTimeToLive(Duration.ofMillis(1_000));
    /** Writes that carry no dot of their own: the snapshot's states alone say nothing of the floor. */
    private static final Key<PNCounter> HITS = Key.of("hits", PNCounter.empty(), CrdtCodecs.pnCounter());
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private static ReplicatorConfig.Builder node(String name, InMemoryNetwork net, AtomicLong clock) {
        return ReplicatorConfig.builder(ReplicaId.of(name)).transport(net.transport()).clock(clock::get)
                .codecs(CodecRegistry.of(CrdtCodecs.orSet(ValueCodec.string()), CrdtCodecs.pnCounter()))
                .sync(SyncConfig.builder().ackTimeout(Duration.ofMillis(200)).build())
                .updateTimeout(Duration.ofSeconds(5));
    }

    private StoreConfig store() {
        return StoreConfig.builder(dir.resolve("a")).fsyncPolicy(FsyncPolicy.ALWAYS).snapshotEveryRecords(1).build();
    }

    @Test
    void aKeyWrittenAgainAfterExpirySnapshotAndRestartReachesAPeerThatStillHoldsItsOldLife()
            throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(21);
        AtomicLong nowA = new AtomicLong(T0);
        AtomicLong nowB = new AtomicLong(T0);
        List<ReplicatorEvent> eventsOfB = new CopyOnWriteArrayList<>();
        try (Replicator b = Replicator.start(node("b", net, nowB).eventListener(eventsOfB::add).build())) {
            try (Replicator a = Replicator.start(node("a", net, nowA).store(store()).build())) {
                a.update(SESSION, (s, r) -> s.add(r.self(), "old-1"));
                a.update(SESSION, (s, r) -> s.add(r.self(), "old-2"));
                Await.until("b holds the old life",
                        () -> b.get(SESSION).map(s -> s.value().size() == 2).orElse(false));
                nowA.addAndGet(1_500); // a's clock runs ahead: the lease lapses on a only
                Await.until("expired on a", () -> a.get(SESSION).isEmpty());
                for (int i = 0; i < 5; i++) {
                    a.update(HITS, (c, r) -> c.increment(r.self(), 1)); // a snapshot after each record
                }
            }
            try (Replicator again = Replicator.start(node("a", net, nowA).store(store()).build())) {
                assertTrue(again.recovery().orElseThrow().snapshotSequence() >= 2,
                        "the snapshot covers the old life's records, which recovery does not replay");
                assertTrue(b.get(SESSION).isPresent(), "b's clock lags: it still holds the old life");
                again.update(SESSION, (s, r) -> s.add(r.self(), "new"));
                Await.until("b holds the new life only",
                        () -> b.get(SESSION).map(s -> s.value().equals(Set.of("new"))).orElse(false));
                assertEquals(again.get(SESSION), b.get(SESSION));
                assertEquals(List.of(), eventsOfB.stream().filter(e -> e instanceof ReplicatorEvent.ConflictingDelta
                        || e instanceof ReplicatorEvent.ReplicaIdReused).toList());
            }
        }
    }
}
