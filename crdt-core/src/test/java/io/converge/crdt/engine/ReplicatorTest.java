package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CrdtTypeMismatchException;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.spi.RecordStore;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.testing.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReplicatorTest {
    private static final CrdtCodec<ORSet<String>> SET_CODEC = CrdtCodecs.orSet(ValueCodec.string());
    private static final Key<ORSet<String>> CART = Key.of("cart", ORSet.empty(), SET_CODEC);
    private static final Key<PNCounter> HITS = Key.of("hits", PNCounter.empty(), CrdtCodecs.pnCounter());
    private static final Key<AWLWWMap<String, String>> PROFILE = Key.of("profile", AWLWWMap.empty(),
            CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.string()));
    private static final Key<ORMap<String, ORSet<String>>> CARTS = Key.of("carts", ORMap.empty(ORSet.<String>empty()),
            CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string())));

    private final List<Replicator> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(Replicator::close);
    }

    private Replicator node(String name, InMemoryNetwork net) {
        return node(name, net, System::currentTimeMillis);
    }

    private Replicator node(String name, InMemoryNetwork net, java.util.function.LongSupplier clock) {
        Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of(name)).transport(net.transport())
                .codecs(codecs()).clock(clock)
                .sync(io.converge.crdt.protocol.SyncConfig.builder().ackTimeout(Duration.ofMillis(200)).build())
                .updateTimeout(Duration.ofSeconds(5)).build());
        open.add(r);
        return r;
    }

    /** A node's own registry, knowing every codec the tests' keys use. */
    private static CodecRegistry codecs() {
        return CodecRegistry.of(CART.codec().orElseThrow(), HITS.codec().orElseThrow(), PROFILE.codec().orElseThrow(),
                CARTS.codec().orElseThrow());
    }

    @Test
    void aReadAfterAnUpdateSeesIt() {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Replicator a = node("a", net);
        ORSet<String> after = a.update(CART, (s, r) -> s.add(r.self(), "milk"));
        assertEquals(Set.of("milk"), after.value());
        assertEquals(Set.of("milk"), a.get(CART).orElseThrow().value());
    }

    @Test
    void threeNodesConvergeOnEveryKey() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(2);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        Replicator c = node("c", net);
        a.update(CART, (s, r) -> s.add(r.self(), "milk"));
        b.update(CART, (s, r) -> s.add(r.self(), "bread"));
        c.update(HITS, (s, r) -> s.increment(r.self(), 5));
        a.update(HITS, (s, r) -> s.decrement(r.self(), 2));
        for (Replicator r : List.of(a, b, c)) {
            Await.until("cart on " + r.self(), () -> r.get(CART).map(s -> s.value().equals(Set.of("milk", "bread"))).orElse(false));
            Await.until("hits on " + r.self(), () -> r.get(HITS).map(s -> s.value() == 3).orElse(false));
        }
    }

    @Test
    void nodesConvergeDespiteLossAndAPartition() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(3);
        net.lossRate(0.3);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        Replicator c = node("c", net);
        net.partition(Set.of(a.self()));
        for (int i = 0; i < 50; i++) {
            int n = i;
            a.update(PROFILE, (m, r) -> m.put(r.self(), r.clock(), "k" + (n % 10), "a" + n));
            b.update(CART, (s, r) -> s.add(r.self(), "b" + n));
            c.update(CART, (s, r) -> n % 2 == 0 ? s.remove("b" + (n - 2)) : s.add(r.self(), "c" + n));
        }
        net.lossRate(0);
        net.heal();
        Await.until("convergence", () -> a.stats().storeDigest() == b.stats().storeDigest()
                && b.stats().storeDigest() == c.stats().storeDigest() && a.size() == 2 && c.size() == 2);
        assertEquals(a.get(CART), c.get(CART));
        assertEquals(b.get(PROFILE), c.get(PROFILE));
    }

    @Test
    void listenersSeeAddsAndRemovesFromRemoteReplicas() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(4);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        BlockingQueue<Change> seen = new LinkedBlockingQueue<>();
        try (Subscription s = b.subscribe(CART, e -> seen.addAll(e.changes()))) {
            a.update(CART, (set, r) -> set.add(r.self(), "milk"));
            assertEquals(new Change.Added("milk", "milk"), seen.poll(10, TimeUnit.SECONDS));
            Await.until("b has milk", () -> b.get(CART).map(x -> x.contains("milk")).orElse(false));
            b.update(CART, (set, r) -> set.remove("milk"));
            assertEquals(new Change.Removed("milk", "milk"), seen.poll(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void counterListenersSeeOldAndNewValues() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(5);
        Replicator a = node("a", net);
        BlockingQueue<Change> seen = new LinkedBlockingQueue<>();
        a.subscribe(HITS, e -> seen.addAll(e.changes()));
        a.update(HITS, (c, r) -> c.increment(r.self(), 4));
        assertEquals(new Change.Updated(null, 0L, 4L), seen.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void aThrowingListenerIsIsolatedAndKeepsReceiving() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(6);
        Replicator a = node("a", net);
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(2);
        a.subscribe(HITS, e -> {
            first.countDown();
            second.countDown();
            throw new IllegalStateException("boom (expected by the test)");
        });
        a.update(HITS, (c, r) -> c.increment(r.self(), 1));
        assertTrue(first.await(10, TimeUnit.SECONDS));
        a.update(HITS, (c, r) -> c.increment(r.self(), 1));
        assertTrue(second.await(10, TimeUnit.SECONDS), "the listener still receives after throwing");
        assertEquals(2, a.get(HITS).orElseThrow().value());
    }

    @Test
    void aSlowListenerDoesNotStallReplicationAndGetsTheFinalValue() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(7);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<ChangeEvent<PNCounter>> events = new LinkedBlockingQueue<>();
        b.subscribe(HITS, e -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            events.add(e);
        });
        for (int i = 0; i < 200; i++) {
            a.update(HITS, (c, r) -> c.increment(r.self(), 1));
        }
        Await.until("b replicated while its listener is stuck", () -> b.get(HITS).map(c -> c.value() == 200).orElse(false));
        release.countDown();
        long last = -1;
        while (last != 200) {
            ChangeEvent<PNCounter> e = events.poll(10, TimeUnit.SECONDS);
            assertTrue(e != null, "the final value was delivered");
            last = e.after().value();
        }
        assertTrue(events.size() < 200, "events were coalesced");
    }

    @Test
    void aKeyUsedWithAnotherTypeIsRefused() {
        Replicator a = node("a", new InMemoryNetwork(8));
        a.update(HITS, (c, r) -> c.increment(r.self(), 1));
        Key<ORSet<String>> wrong = Key.of("hits", ORSet.empty());
        assertThrows(CrdtTypeMismatchException.class, () -> a.get(wrong));
        assertThrows(CrdtTypeMismatchException.class, () -> a.update(wrong, (s, r) -> s.add(r.self(), "x")));
    }

    @Test
    void aMutatorThatThrowsChangesNothing() {
        Replicator a = node("a", new InMemoryNetwork(9));
        assertThrows(IllegalArgumentException.class, () -> a.update(HITS, (c, r) -> c.increment(r.self(), 0)));
        assertTrue(a.get(HITS).isEmpty());
    }

    @Test
    void updatesFromOneThreadApplyInOrder() {
        Replicator a = node("a", new InMemoryNetwork(15));
        List<CompletableFuture<PNCounter>> results = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            results.add(a.updateAsync(HITS, (c, r) -> c.increment(r.self(), 1)));
        }
        for (int i = 0; i < results.size(); i++) {
            assertEquals(i + 1, results.get(i).join().value(), "update " + i + " saw exactly the updates made before it");
        }
        assertEquals(5_000, a.get(HITS).orElseThrow().value());
    }

    /**
     * Starts an update (+1 on {@code HITS}) that holds {@code r}'s sync thread until
     * {@code release} opens, and returns once it is running: updates made meanwhile queue up.
     */
    private static CompletableFuture<PNCounter> holdSyncThread(Replicator r, CountDownLatch release)
            throws InterruptedException {
        CountDownLatch inside = new CountDownLatch(1);
        CompletableFuture<PNCounter> holding = r.updateAsync(HITS, (c, ctx) -> {
            inside.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return c.increment(ctx.self(), 1);
        });
        assertTrue(inside.await(10, TimeUnit.SECONDS), "the holding update started");
        return holding;
    }

    @Test
    void aFailingMutatorFailsOnlyItsOwnUpdateInABatch() throws Exception {
        Replicator a = node("a", new InMemoryNetwork(16));
        CountDownLatch release = new CountDownLatch(1);
        // Holds the sync thread, so the next updates queue up and are applied in one step.
        CompletableFuture<PNCounter> first = holdSyncThread(a, release);
        CompletableFuture<PNCounter> second = a.updateAsync(HITS, (c, r) -> c.increment(r.self(), 10));
        CompletableFuture<PNCounter> failing = a.updateAsync(HITS, (c, r) -> {
            throw new IllegalArgumentException("boom (expected by the test)");
        });
        CompletableFuture<ORSet<String>> wrongType = a.updateAsync(Key.of("hits", ORSet.<String>empty()),
                (s, r) -> s.add(r.self(), "x"));
        CompletableFuture<ORSet<String>> otherKey = a.updateAsync(CART, (s, r) -> s.add(r.self(), "milk"));
        CompletableFuture<PNCounter> last = a.updateAsync(HITS, (c, r) -> c.increment(r.self(), 100));
        release.countDown();
        assertEquals(1, first.get(10, TimeUnit.SECONDS).value());
        assertEquals(11, second.get(10, TimeUnit.SECONDS).value());
        ExecutionException e = assertThrows(ExecutionException.class, () -> failing.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalArgumentException, "its own exception: " + e.getCause());
        e = assertThrows(ExecutionException.class, () -> wrongType.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof CrdtTypeMismatchException, "its own exception: " + e.getCause());
        assertEquals(Set.of("milk"), otherKey.get(10, TimeUnit.SECONDS).value());
        assertEquals(111, last.get(10, TimeUnit.SECONDS).value(), "the failures changed nothing");
        assertEquals(111, a.get(HITS).orElseThrow().value());
        // One record for the first step, one per key for the batch: the three counter updates joined.
        assertEquals(3, a.stats().sequence());
    }

    @Test
    void updatesQueuedBeforeCloseAreAppliedAndLaterOnesFailClearly() throws Exception {
        Replicator a = node("a", new InMemoryNetwork(17));
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<PNCounter> running = holdSyncThread(a, release);
        List<CompletableFuture<PNCounter>> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            queued.add(a.updateAsync(HITS, (c, r) -> c.increment(r.self(), 1)));
        }
        Thread closer = new Thread(a::close, "closer");
        closer.start();
        Await.until("close waits for the sync thread", () -> closer.getState() == Thread.State.TIMED_WAITING);
        CompletableFuture<PNCounter> late = a.updateAsync(HITS, (c, r) -> c.increment(r.self(), 1));
        release.countDown();
        closer.join(10_000);
        assertEquals(1, running.get(10, TimeUnit.SECONDS).value(), "the step under way completes");
        for (int i = 0; i < queued.size(); i++) {
            assertEquals(i + 2, queued.get(i).get(10, TimeUnit.SECONDS).value(), "accepted before close: applied");
        }
        ExecutionException e = assertThrows(ExecutionException.class, () -> late.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalStateException, "made after close began: " + e.getCause());
    }

    @Test
    void concurrentWritersAllAcknowledgedAfterDurability() throws Exception {
        SlowDisk disk = new SlowDisk();
        Replicator a = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("a")).recordStore(disk)
                .updateTimeout(Duration.ofSeconds(30)).build());
        open.add(a);
        int writers = 4;
        int perWriter = 500;
        List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        List<CompletableFuture<?>> all = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int w = 0; w < writers; w++) {
            Key<PNCounter> key = Key.of("w" + w, PNCounter.empty(), CrdtCodecs.pnCounter());
            Thread t = new Thread(() -> {
                for (int i = 0; i < perWriter; i++) {
                    all.add(a.updateAsync(key, (c, r) -> c.increment(r.self(), 1)).whenComplete((state, err) -> {
                        long durable = disk.durableValue(key.name());
                        if (err != null || durable < state.value()) {
                            violations.add(key + ": acknowledged " + (err != null ? err : state.value())
                                    + " with only " + durable + " durable");
                        }
                    }));
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertEquals(List.of(), violations);
        for (int w = 0; w < writers; w++) {
            assertEquals(perWriter, a.get(Key.of("w" + w, PNCounter.empty(), CrdtCodecs.pnCounter())).orElseThrow().value());
        }
        assertTrue(disk.records() < writers * perWriter, "updates that queued up shared records: " + disk.records());
    }

    @Test
    void anUpdateThatChangedNothingWaitsForTheRecordsBeforeIt() throws Exception {
        GatedDisk disk = new GatedDisk();
        List<CompletableFuture<Void>> calls = disk.calls;
        Replicator a = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("a")).recordStore(disk).build());
        open.add(a);
        CountDownLatch firstRan = new CountDownLatch(1);
        CompletableFuture<ORSet<String>> add = a.updateAsync(CART, (s, r) -> {
            firstRan.countDown();
            return s.add(r.self(), "milk");
        });
        assertTrue(firstRan.await(10, TimeUnit.SECONDS)); // the next update is a step of its own
        CountDownLatch secondRan = new CountDownLatch(1);
        CompletableFuture<ORSet<String>> nothing = a.updateAsync(CART, (s, r) -> {
            secondRan.countDown();
            return ORSet.empty(); // already included: no record of its own
        });
        assertTrue(secondRan.await(10, TimeUnit.SECONDS));
        CountDownLatch laterStep = new CountDownLatch(1);
        a.updateAsync(HITS, (c, r) -> {
            laterStep.countDown(); // queued after the second update's step began: runs after it ended
            return c.increment(r.self(), 1);
        });
        assertTrue(laterStep.await(10, TimeUnit.SECONDS));
        Await.until("the first record reached the disk", () -> !calls.isEmpty());
        assertTrue(!add.isDone() && !nothing.isDone(), "nothing acknowledged before the first record is durable");
        calls.get(0).complete(null);
        assertEquals(Set.of("milk"), nothing.get(10, TimeUnit.SECONDS).value());
        assertEquals(Set.of("milk"), add.get(10, TimeUnit.SECONDS).value());
    }

    @Test
    void deltasReachPeersOnlyOnceTheirRecordsAreDurable() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(18);
        GatedDisk disk = new GatedDisk();
        List<CompletableFuture<Void>> calls = disk.calls;
        Replicator a = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("a")).transport(net.transport())
                .codecs(codecs()).recordStore(disk).build());
        open.add(a);
        Replicator b = node("b", net);
        Await.until("in sync", () -> a.stats().acknowledged(b.self()) >= 0 && b.stats().acknowledged(a.self()) >= 0);
        CompletableFuture<ORSet<String>> add = a.updateAsync(CART, (s, r) -> s.add(r.self(), "milk"));
        Await.until("the record was handed over", () -> !calls.isEmpty());
        // b's own update queues behind anything a may already have delivered to it.
        b.update(HITS, (c, r) -> c.increment(r.self(), 1));
        assertTrue(b.get(CART).isEmpty() && !add.isDone(), "nothing left a before its record was durable");
        calls.forEach(f -> f.complete(null));
        assertEquals(Set.of("milk"), add.get(10, TimeUnit.SECONDS).value());
        Await.until("b has milk", () -> b.get(CART).map(x -> x.contains("milk")).orElse(false));
    }

    /** A record store that starts empty and takes no snapshots: tests give it only appends. */
    private abstract static class AppendOnlyDisk implements RecordStore {
        @Override
        public long recover(SnapshotConsumer snapshot, RecordConsumer records) {
            return -1;
        }

        @Override
        public boolean snapshotDue() {
            return false;
        }

        @Override
        public void snapshot(long covers, byte[] state) {
        }

        @Override
        public void close() {
        }
    }

    /** A record store that makes nothing durable until the test completes the call's future. */
    private static final class GatedDisk extends AppendOnlyDisk {
        final List<CompletableFuture<Void>> calls = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void appendAll(long[] sequences, byte[][] records) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            calls.add(f);
            f.join(); // the store thread waits, as on a slow disk
        }

        @Override
        public void close() {
            calls.forEach(f -> f.complete(null));
        }
    }

    /**
     * A record store that takes a millisecond per call and remembers, decoded, what it made
     * durable.
     */
    private static final class SlowDisk extends AppendOnlyDisk {
        private final MessageCodec codec = new MessageCodec(CodecRegistry.of(CrdtCodecs.pnCounter()), CodecLimits.defaults());
        private final java.util.Map<String, PNCounter> durable = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicLong records = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void appendAll(long[] sequences, byte[][] batch) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (byte[] record : batch) {
                Message.Deltas d = (Message.Deltas) codec.decode(record);
                d.deltas().forEach((k, v) -> durable.merge(k, (PNCounter) v, PNCounter::join));
                records.incrementAndGet();
            }
        }

        long durableValue(String key) {
            PNCounter c = durable.get(key);
            return c == null ? 0 : c.value();
        }

        long records() {
            return records.get();
        }
    }

    @Test
    void aNestedMapChangeTravelsAsTheEntrysDelta() throws InterruptedException {
        Key<ORMap<String, ORSet<String>>> carts = CARTS;
        InMemoryNetwork net = new InMemoryNetwork(10);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        a.update(carts, (m, r) -> m.apply("alice", s -> s.add(r.self(), "milk")));
        b.update(carts, (m, r) -> m.apply("alice", s -> s.add(r.self(), "eggs")));
        Await.until("merged carts", () -> a.get(carts).flatMap(m -> m.get("alice")).map(s -> s.value().size() == 2).orElse(false)
                && b.get(carts).flatMap(m -> m.get("alice")).map(s -> s.value().size() == 2).orElse(false));
        assertEquals(Map.of("alice", Set.of("milk", "eggs")).get("alice"),
                a.get(carts).orElseThrow().get("alice").orElseThrow().value());
    }

    @Test
    void aNodeThatClosesSaysGoodbyeAndIsReleasedWhileACrashedOneIsKeptAsUnreachable() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(19);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        Replicator c = node("c", net);
        a.update(CART, (s, r) -> s.add(r.self(), "milk"));
        Await.until("all in sync", () -> List.of(a, b, c).stream().allMatch(
                r -> r.stats().peers().size() == 2 && r.stats().peers().values().stream().allMatch(p -> p.lag() == 0)));
        b.close();
        Await.until("a released b", () -> !a.stats().peers().containsKey(b.self()));
        net.crash(c.self());
        Await.until("a sees c unreachable", () -> !a.stats().peers().get(c.self()).up());
        assertTrue(a.stats().peers().get(c.self()).acknowledged() >= 0, "and keeps its position for its return");
        a.update(CART, (s, r) -> s.add(r.self(), "eggs"));
        Await.until("a's new write is buffered for c", () -> a.stats().protocol().bufferedDeltas() == 1);
    }

    @Test
    void closeIsIdempotentAndLaterUpdatesFailClearly() {
        Replicator a = node("a", new InMemoryNetwork(11));
        a.close();
        a.close();
        assertThrows(IllegalStateException.class, () -> a.update(HITS, (c, r) -> c.increment(r.self(), 1)));
    }

    @Test
    void aKeyWithATimeToLiveIsDroppedEverywhereAndStaysDropped() throws InterruptedException {
        Key<ORSet<String>> session = Key.of("session", ORSet.<String>empty(), SET_CODEC).withTimeToLive(Duration.ofMillis(400));
        InMemoryNetwork net = new InMemoryNetwork(12);
        // One clock for all nodes, moved by the test: the lease cannot lapse before it replicated.
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_700_000_000_000L);
        Replicator a = node("a", net, now::get);
        Replicator b = node("b", net, now::get);
        BlockingQueue<Change> seen = new LinkedBlockingQueue<>();
        b.subscribe(session, e -> seen.addAll(e.changes()));
        a.update(session, (s, r) -> s.add(r.self(), "token"));
        Await.until("replicated", () -> b.get(session).isPresent());
        assertEquals(new Change.Added("token", "token"), seen.poll(10, TimeUnit.SECONDS));
        now.addAndGet(500);
        Await.until("expired on a", () -> a.get(session).isEmpty());
        Await.until("expired on b", () -> b.get(session).isEmpty());
        assertEquals(new Change.Removed("token", "token"), seen.poll(10, TimeUnit.SECONDS));
        assertEquals(0, a.size());
        // A late peer's heartbeat-driven repair must not bring it back: the copies carry the past expiry.
        Replicator c = node("c", net, now::get);
        Await.until("c joined and synced", () -> c.stats().peers().values().stream().allMatch(p -> p.acknowledged() >= 0)
                && c.stats().peers().size() == 2);
        assertTrue(c.get(session).isEmpty() && a.get(session).isEmpty() && b.get(session).isEmpty());
    }

    @Test
    void updatesRenewATimeToLive() throws InterruptedException {
        Key<PNCounter> lease = Key.of("lease", PNCounter.empty(), CrdtCodecs.pnCounter()).withTimeToLive(Duration.ofMillis(600));
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_700_000_000_000L);
        Replicator a = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("a")).clock(now::get).build());
        open.add(a);
        for (int i = 0; i < 15; i++) {
            a.update(lease, (c, r) -> c.increment(r.self(), 1));
            assertTrue(a.get(lease).isPresent(), "renewed every 100 ms, a 600 ms lease never lapses");
            now.addAndGet(100);
        }
        assertTrue(a.get(lease).isPresent());
        now.addAndGet(600);
        Await.until("lapsed once updates stop", () -> a.get(lease).isEmpty());
    }

    @Test
    void nodesConvergeWhenEveryMessageIsEncodedAndDecoded() throws InterruptedException {
        io.converge.crdt.codec.CrdtCodec<ORSet<String>> setCodec = io.converge.crdt.codec.CrdtCodecs.orSet(
                io.converge.crdt.codec.ValueCodec.string());
        Key<ORSet<String>> cart = Key.of("cart", ORSet.<String>empty(), setCodec);
        InMemoryNetwork net = new InMemoryNetwork(14);
        net.lossRate(0.2);
        List<Replicator> nodes = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            io.converge.crdt.codec.CodecRegistry registry = io.converge.crdt.codec.CodecRegistry.of(setCodec);
            Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of(name)).codecs(registry)
                    .transport(net.transport())
                    .sync(io.converge.crdt.protocol.SyncConfig.builder().ackTimeout(Duration.ofMillis(200)).build())
                    .build());
            open.add(r);
            nodes.add(r);
        }
        for (int i = 0; i < 60; i++) {
            String e = "e" + i;
            Replicator r = nodes.get(i % 3);
            if (i % 5 == 4) {
                String gone = "e" + (i - 3);
                r.update(cart, (s, ctx) -> s.remove(gone));
            } else {
                r.update(cart, (s, ctx) -> s.add(ctx.self(), e));
            }
        }
        net.lossRate(0);
        Await.until("convergence over encoded frames", () -> nodes.stream().allMatch(
                r -> r.get(cart).equals(nodes.get(0).get(cart)) && r.get(cart).isPresent()));
        assertTrue(net.bytes() > 0, "frames were encoded");
    }
}
