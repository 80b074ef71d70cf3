package io.converge.net.consistency;

import io.converge.net.QuorumStats;
import static io.converge.net.consistency.Replicas.CART;
import static io.converge.net.consistency.Replicas.WAIT;
import static io.converge.net.consistency.Replicas.awaitUntil;
import static io.converge.net.consistency.Replicas.holds;
import static io.converge.net.consistency.Replicas.id;
import static io.converge.net.consistency.Replicas.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.net.NotEnoughReachableMembersException;
import io.converge.net.ReadConsistency;
import io.converge.net.ReadTimeoutException;
import io.converge.net.WriteConsistency;
import io.converge.net.WriteTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Consistency levels over in-memory replicas and hand-made member views. */
class QuorumsTest {
    private static final Duration SHORT = Duration.ofMillis(300);
    private final Quorums quorums = Quorums.create();

    @AfterEach
    void close() {
        quorums.close();
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The failure of {@code f}, which must fail within the tests' bound. */
    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        return e.getCause();
    }

    private CompletableFuture<ORSet<String>> add(Replicas rs, String node, String element, WriteConsistency c) {
        return quorums.write(rs.get(node), CART, (s, ctx) -> s.add(ctx.self(), element), c, rs.view(node));
    }

    @Test
    void majorityWriteSucceedsWithThreeOfFiveUp() throws Exception {
        try (Replicas rs = new Replicas(1, "a", "b", "c", "d", "e")) {
            rs.awaitMesh();
            rs.crash("d", "e");
            ORSet<String> state = await(add(rs, "a", "milk", WriteConsistency.majority(WAIT)));
            assertTrue(state.contains("milk"));
            long holding = rs.all().stream().filter(r -> holds(r, "milk")).count();
            assertTrue(holding >= 3, "a majority of 5 holds the write when the call succeeds: " + holding);
            assertTrue(holds(rs.get("b"), "milk") && holds(rs.get("c"), "milk"), "the two live peers acknowledged it");
        }
    }

    @Test
    void majorityWriteOnTheMinoritySideTimesOutNamingAcksAndPendingPeersAndStaysApplied() throws Exception {
        try (Replicas rs = new Replicas(2, "a", "b", "c", "d", "e")) {
            rs.awaitMesh();
            rs.partition("a", "b");
            CompletableFuture<ORSet<String>> minority = add(rs, "a", "eggs", WriteConsistency.majority(SHORT));
            CompletableFuture<ORSet<String>> majority = add(rs, "c", "jam", WriteConsistency.majority(WAIT));

            WriteTimeoutException t = assertInstanceOf(WriteTimeoutException.class, failure(minority));
            assertEquals("cart", t.key());
            assertEquals(3, t.required());
            assertTrue(t.pendingPeers().containsAll(ids("c", "d", "e")), "the other side is pending: " + t.pendingPeers());
            assertTrue(ids("b", "c", "d", "e").containsAll(t.pendingPeers()), t.pendingPeers().toString());
            // Self plus every counted peer not pending: 2 if b acknowledged in time, else 1.
            assertEquals(5 - t.pendingPeers().size(), t.acknowledged());
            assertTrue(holds(rs.get("a"), "eggs"), "nothing is rolled back");
            assertTrue(await(majority).contains("jam"), "the majority side's majority write succeeds meanwhile");

            rs.heal();
            awaitUntil("the minority's write reaches everyone after the heal",
                    () -> rs.all().stream().allMatch(r -> holds(r, "eggs") && holds(r, "jam")));
            assertEquals(1, quorums.stats().writeTimeouts().get("majority"));
        }
    }

    @Test
    void allTimesOutWhenOneCountedMemberIsUnreachable() throws Exception {
        try (Replicas rs = new Replicas(3, "a", "b", "c")) {
            rs.awaitMesh();
            rs.crash("c");
            WriteTimeoutException t = assertInstanceOf(WriteTimeoutException.class,
                    failure(add(rs, "a", "bread", WriteConsistency.all(SHORT))));
            assertEquals(3, t.required());
            assertTrue(t.pendingPeers().contains(id("c")), t.pendingPeers().toString());
            assertTrue(holds(rs.get("a"), "bread"));
            assertEquals(1, quorums.stats().writeTimeouts().get("all"));
        }
    }

    @Test
    void failFastRefusesAtOnceAndAppliesNothing() throws Exception {
        try (Replicas rs = new Replicas(4, "a", "b", "c")) {
            rs.awaitMesh();
            rs.crash("c");
            CompletableFuture<ORSet<String>> f = add(rs, "a", "bread", WriteConsistency.all(WAIT).failFast(true));
            assertTrue(f.isDone(), "fail-fast does not wait");
            NotEnoughReachableMembersException e = assertInstanceOf(NotEnoughReachableMembersException.class, failure(f));
            assertEquals(2, e.reachable());
            assertEquals(3, e.required());
            assertTrue(rs.get("a").get(CART).isEmpty(), "nothing was applied");

            CompletableFuture<Optional<ORSet<String>>> r = quorums.read(rs.get("a"), CART,
                    ReadConsistency.all(WAIT).failFast(true), rs.view("a"));
            assertTrue(r.isDone());
            assertInstanceOf(NotEnoughReachableMembersException.class, failure(r));
            // A majority is still reachable: fail-fast lets the call through.
            assertTrue(await(add(rs, "a", "salt", WriteConsistency.majority(WAIT).failFast(true))).contains("salt"));
            assertEquals(1, quorums.stats().writesRefused().get("all"));
            assertEquals(1, quorums.stats().readsRefused().get("all"));
        }
    }

    @Test
    void minCapRaisesTheRequirement() throws Exception {
        try (Replicas rs = new Replicas(5, "a", "b", "c", "d", "e")) {
            rs.awaitMesh();
            rs.crash("d", "e");
            assertTrue(await(add(rs, "a", "tea", WriteConsistency.majority(WAIT))).contains("tea"),
                    "3 of 5 make a majority");
            WriteTimeoutException t = assertInstanceOf(WriteTimeoutException.class,
                    failure(add(rs, "a", "coffee", WriteConsistency.majority(SHORT).minCap(4))));
            assertEquals(4, t.required());
            assertTrue(t.pendingPeers().containsAll(ids("d", "e")));
        }
    }

    @Test
    void majorityReadJoinsAPeersNewerValueAndKeepsIt() throws Exception {
        // a takes nothing from b and c but answers to its reads: only a read can bring it their writes.
        try (Replicas rs = new Replicas(6, Map.of("a", Set.of("b", "c")), "a", "b", "c")) {
            rs.awaitMesh();
            rs.get("a").update(CART, (s, ctx) -> s.add(ctx.self(), "jam"));
            await(add(rs, "b", "bread", WriteConsistency.to(2, WAIT)));
            assertFalse(holds(rs.get("a"), "bread"), "anti-entropy cannot bring b's write to a");
            Optional<ORSet<String>> read = await(quorums.read(rs.get("a"), CART, ReadConsistency.majority(WAIT),
                    rs.view("a")));
            assertTrue(read.orElseThrow().value().containsAll(Set.of("bread", "jam")), read.toString());
            assertTrue(holds(rs.get("a"), "bread"), "the join is kept here (read repair)");
        }
    }

    @Test
    void readTimeoutCarriesTheLocalValue() throws Exception {
        try (Replicas rs = new Replicas(7, "a", "b", "c")) {
            rs.awaitMesh();
            rs.get("a").update(CART, (s, ctx) -> s.add(ctx.self(), "mine"));
            rs.net.lossRate(1.0);
            ReadTimeoutException t = assertInstanceOf(ReadTimeoutException.class,
                    failure(quorums.read(rs.get("a"), CART, ReadConsistency.majority(SHORT), rs.view("a"))));
            assertEquals(1, t.answered());
            assertEquals(2, t.required());
            assertEquals(ids("b", "c"), t.pendingPeers());
            assertTrue(t.localValue(CART).orElseThrow().contains("mine"));
            assertTrue(t.localValue().isPresent());
            assertEquals(1, quorums.stats().readTimeouts().get("majority"));
        }
    }

    @Test
    void aReadWhoseEveryPeerFailsEndsBeforeItsDeadline() throws Exception {
        try (Replicas rs = new Replicas(8, "a", "b", "c")) {
            rs.awaitMesh();
            rs.crash("b", "c");
            awaitUntil("b and c down at a", () -> !rs.get("a").stats().peers().get(id("b")).up()
                    && !rs.get("a").stats().peers().get(id("c")).up());
            // Every counted peer answers "not up" at once: nothing left to wait for.
            ReadTimeoutException t = assertInstanceOf(ReadTimeoutException.class, failure(quorums.read(rs.get("a"),
                    CART, ReadConsistency.majority(ReadConsistency.MAX_TIMEOUT), rs.view("a"))));
            assertEquals(1, t.answered());
            assertEquals(ids("b", "c"), t.pendingPeers());
        }
    }

    @Test
    void anAllReadWithAnUnreachableMemberEndsOnceTheOthersAnswered() throws Exception {
        try (Replicas rs = new Replicas(16, "a", "b", "c")) {
            rs.awaitMesh();
            rs.get("b").update(CART, (s, ctx) -> s.add(ctx.self(), "from-b"));
            rs.crash("c");
            awaitUntil("c down at a", () -> !rs.get("a").stats().peers().get(id("c")).up());
            ReadTimeoutException t = assertInstanceOf(ReadTimeoutException.class, failure(quorums.read(rs.get("a"),
                    CART, ReadConsistency.all(ReadConsistency.MAX_TIMEOUT), rs.view("a"))));
            assertEquals(2, t.answered());
            assertEquals(ids("c"), t.pendingPeers());
            assertTrue(t.localValue(CART).orElseThrow().contains("from-b"), "b's answer was joined all the same");
        }
    }

    @Test
    void majorityWriteThenMajorityReadElsewhereSeesIt() throws Exception {
        try (Replicas rs = new Replicas(9, "a", "b", "c", "d", "e")) {
            rs.awaitMesh();
            await(add(rs, "a", "w+r>n", WriteConsistency.majority(WAIT)));
            Optional<ORSet<String>> read = await(quorums.read(rs.get("e"), CART, ReadConsistency.majority(WAIT),
                    rs.view("e")));
            assertTrue(read.orElseThrow().contains("w+r>n"), "write and read majorities of 5 share a member");
        }
    }

    @Test
    void majorityWriteThenMajorityReadSeesItWhenTheMajoritiesShareOneMember() throws Exception {
        // d and e take nothing from a, b, c but answers to reads: a write there reaches them only by a read.
        Set<String> abc = Set.of("a", "b", "c");
        try (Replicas rs = new Replicas(15, Map.of("d", abc, "e", abc), "a", "b", "c", "d", "e")) {
            rs.awaitMesh();
            await(add(rs, "a", "shared", WriteConsistency.majority(WAIT)));
            assertFalse(holds(rs.get("e"), "shared") || holds(rs.get("d"), "shared"));
            // Only b and c can acknowledge a's write: its majority is exactly {a, b, c}. e's view reaches
            // only c and d, so its majority is {e, c, d}: the two share c alone.
            MemberView ofE = new MemberView() {
                @Override
                public Set<ReplicaId> countedPeers() {
                    return ids("a", "b", "c", "d");
                }

                @Override
                public Set<ReplicaId> reachablePeers() {
                    return ids("c", "d");
                }
            };
            Optional<ORSet<String>> read = await(quorums.read(rs.get("e"), CART, ReadConsistency.majority(WAIT), ofE));
            assertTrue(read.orElseThrow().contains("shared"), "W + R > N: the read met a member holding the write");
        }
    }

    @Test
    void localCallsNeverWaitOnOtherNodes() throws Exception {
        try (Replicas rs = new Replicas(11, "a", "b", "c")) {
            rs.awaitMesh();
            rs.net.lossRate(1.0);
            rs.crash("b", "c");
            // Applied in one step of a's own loop; no peer is asked.
            assertTrue(await(add(rs, "a", "solo", WriteConsistency.local())).contains("solo"));
            CompletableFuture<Optional<ORSet<String>>> r = quorums.read(rs.get("a"), CART, ReadConsistency.local(),
                    rs.view("a"));
            assertTrue(r.isDone(), "a local read is answered on the caller's thread");
            assertTrue(r.get().orElseThrow().contains("solo"));
            // to(1) and from(1) count this node only.
            assertTrue(await(add(rs, "a", "one", WriteConsistency.to(1, SHORT))).contains("one"));
            assertTrue(quorums.read(rs.get("a"), CART, ReadConsistency.from(1, SHORT), rs.view("a")).isDone());
        }
    }

    @Test
    void everyCallEndsByItsDeadlineWhenTheNetworkDropsEverything() throws Exception {
        try (Replicas rs = new Replicas(12, "a", "b", "c", "d", "e")) {
            rs.awaitMesh();
            rs.net.lossRate(1.0);
            List<WriteConsistency> writes = List.of(WriteConsistency.to(2, SHORT), WriteConsistency.majority(SHORT),
                    WriteConsistency.majorityPlus(1, SHORT), WriteConsistency.all(SHORT));
            List<ReadConsistency> reads = List.of(ReadConsistency.from(2, SHORT), ReadConsistency.majority(SHORT),
                    ReadConsistency.majorityPlus(1, SHORT), ReadConsistency.all(SHORT));
            long start = System.nanoTime();
            List<CompletableFuture<?>> calls = new ArrayList<>();
            for (Replicator r : rs.all()) {
                String name = r.self().name();
                for (WriteConsistency w : writes) {
                    calls.add(add(rs, name, name + "-" + w.kind(), w));
                }
                for (ReadConsistency c : reads) {
                    calls.add(quorums.read(r, CART, c, rs.view(name)));
                }
            }
            for (CompletableFuture<?> f : calls) {
                Throwable t = failure(f);
                assertTrue(t instanceof WriteTimeoutException || t instanceof ReadTimeoutException, t.toString());
            }
            assertTrue(System.nanoTime() - start >= SHORT.toNanos(), "no call gave up before its deadline");
            QuorumStats s = quorums.stats();
            assertEquals(calls.size(), s.timeouts());
            assertEquals(5, s.writeTimeouts().get("majority-plus"));
            assertEquals(5, s.readTimeouts().get("from"));
            assertEquals(0, s.writeTimeouts().get("local"));
        }
    }

    @Test
    void aStuckEngineStillEndsTheCallAtItsDeadline() throws Exception {
        try (Replicas rs = new Replicas(13, "a", "b", "c")) {
            rs.awaitMesh();
            CountDownLatch release = new CountDownLatch(1);
            // The mutator holds a's sync thread: neither the local write nor any engine timer can run.
            CompletableFuture<ORSet<String>> f = quorums.write(rs.get("a"), CART, (s, ctx) -> {
                try {
                    release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return s.add(ctx.self(), "late");
            }, WriteConsistency.majority(SHORT), rs.view("a"));
            try {
                WriteTimeoutException t = assertInstanceOf(WriteTimeoutException.class, failure(f));
                assertEquals(0, t.acknowledged(), "not even the local write had finished");
                assertEquals(ids("b", "c"), t.pendingPeers());
            } finally {
                release.countDown();
            }
            awaitUntil("the write still applies once the engine moves", () -> holds(rs.get("a"), "late"));
        }
    }

    @Test
    void levelsRequireTheirShareOfN() {
        for (int n = 1; n <= 7; n++) {
            assertEquals(n / 2 + 1, WriteConsistency.majority(SHORT).required(n));
            assertEquals(n / 2 + 1, ReadConsistency.majority(SHORT).required(n));
            assertEquals(Math.min(n, n / 2 + 2), WriteConsistency.majorityPlus(1, SHORT).required(n));
            assertEquals(n, WriteConsistency.all(SHORT).required(n));
            assertEquals(n, ReadConsistency.all(SHORT).required(n));
            assertEquals(1, WriteConsistency.local().required(n));
            assertEquals(Math.min(n, 3), WriteConsistency.to(3, SHORT).required(n));
            assertEquals(Math.min(n, 3), ReadConsistency.from(3, SHORT).required(n));
            assertEquals(Math.min(n, Math.max(4, n / 2 + 1)), WriteConsistency.majority(SHORT).minCap(4).required(n));
        }
        assertEquals(5, WriteConsistency.majorityPlus(Integer.MAX_VALUE, SHORT).required(5), "capped at N, no overflow");
        assertEquals(5, ReadConsistency.majority(SHORT).minCap(Integer.MAX_VALUE).required(5));
        assertThrows(IllegalArgumentException.class, () -> WriteConsistency.majority(SHORT).required(0));
    }

    @Test
    void timeoutsAndCountsAreValidated() {
        List<Duration> bad = List.of(Duration.ZERO, Duration.ofMillis(-1), Duration.ofNanos(1),
                WriteConsistency.MAX_TIMEOUT.plusMillis(1));
        for (Duration d : bad) {
            assertThrows(IllegalArgumentException.class, () -> WriteConsistency.majority(d), d.toString());
            assertThrows(IllegalArgumentException.class, () -> WriteConsistency.to(2, d), d.toString());
            assertThrows(IllegalArgumentException.class, () -> WriteConsistency.majorityPlus(1, d), d.toString());
            assertThrows(IllegalArgumentException.class, () -> WriteConsistency.all(d), d.toString());
            assertThrows(IllegalArgumentException.class, () -> ReadConsistency.majority(d), d.toString());
            assertThrows(IllegalArgumentException.class, () -> ReadConsistency.from(2, d), d.toString());
            assertThrows(IllegalArgumentException.class, () -> ReadConsistency.majorityPlus(1, d), d.toString());
            assertThrows(IllegalArgumentException.class, () -> ReadConsistency.all(d), d.toString());
        }
        assertThrows(NullPointerException.class, () -> WriteConsistency.majority(null));
        assertThrows(NullPointerException.class, () -> ReadConsistency.all(null));
        assertThrows(IllegalArgumentException.class, () -> WriteConsistency.to(0, SHORT));
        assertThrows(IllegalArgumentException.class, () -> ReadConsistency.from(0, SHORT));
        assertThrows(IllegalArgumentException.class, () -> WriteConsistency.majority(SHORT).minCap(-1));
        assertThrows(IllegalArgumentException.class, () -> ReadConsistency.majorityPlus(-1, SHORT));
        assertEquals(WriteConsistency.MAX_TIMEOUT, WriteConsistency.all(WriteConsistency.MAX_TIMEOUT).timeout());
        assertEquals(Duration.ZERO, WriteConsistency.local().timeout());
        assertEquals(WriteConsistency.majority(SHORT), WriteConsistency.majority(SHORT), "levels are values");
    }

    @Test
    void aClosedQuorumsRefusesCallsBeforeApplyingAnything() throws Exception {
        try (Replicas rs = new Replicas(14, "a", "b")) {
            quorums.close();
            assertThrows(IllegalStateException.class, () -> add(rs, "a", "x", WriteConsistency.majority(SHORT)));
            assertTrue(rs.get("a").get(CART).isEmpty());
        }
    }

    @Test
    void statsCountEveryLevelFromZero() {
        QuorumStats s = quorums.stats();
        assertEquals(Set.of("local", "to", "majority", "majority-plus", "all"), s.writes().keySet());
        assertEquals(Set.of("local", "from", "majority", "majority-plus", "all"), s.reads().keySet());
        assertEquals(0, s.timeouts());
        assertThrows(UnsupportedOperationException.class, () -> s.writes().put("x", 1L));
    }
}
