package io.converge.net.consistency;

import static io.converge.net.consistency.Replicas.CART;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.converge.crdt.ORSet;
import io.converge.crdt.engine.Key;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.net.ClusterNode;
import io.converge.net.ClusterSecret;
import io.converge.net.DocPages;
import io.converge.net.JGroupsTransport;
import io.converge.net.QuorumStats;
import io.converge.net.ReadConsistency;
import io.converge.net.ReadTimeoutException;
import io.converge.net.WriteConsistency;
import io.converge.net.WriteTimeoutException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Java snippets of docs/consistency.md, compiled and run here. */
class ConsistencySnippetsTest {
    @Test
    void pageSnippetsAreTheseTests() throws IOException {
        int blocks = DocPages.assertJavaBlocksIn("consistency.md", ConsistencySnippetsTest.class);
        assertTrue(blocks >= 3, "docs/consistency.md has " + blocks + " Java snippets");
    }

    @Test
    void levelsAndWhatTheyRequire() {
        WriteConsistency write = WriteConsistency.majority(Duration.ofSeconds(3)).minCap(3);
        ReadConsistency read = ReadConsistency.majority(Duration.ofSeconds(3)).minCap(3);
        // N = 4 members counted, reachable or not: a majority is 4 / 2 + 1 = 3.
        assertEquals(3, write.required(4));
        // N = 3: still 3 (minCap), which is all of them.
        assertEquals(3, read.required(3));
        // minCap never asks for more members than N.
        assertEquals(2, write.required(2));
    }

    @Test
    void aClusterNodeReturnsTheFuturesAndCountsItsCalls() throws Exception {
        String cluster = "consistency-" + UUID.randomUUID();
        ClusterSecret secret = ClusterSecret.random();
        try (ClusterNode a = start(cluster, secret, "a"); ClusterNode b = start(cluster, secret, "b");
                ClusterNode c = start(cluster, secret, "c")) {
            awaitCounted(List.of(a, b, c));
            ClusterNode node = a;
            CompletableFuture<ORSet<String>> write = node.update(CART, (cart, ctx) -> cart.add(ctx.self(), "milk"),
                    WriteConsistency.majority(Duration.ofSeconds(3)));
            assertEquals("confirmed", outcome(write));
            CompletableFuture<Optional<ORSet<String>>> read = node.get(CART, ReadConsistency.majority(Duration.ofSeconds(3)));
            assertTrue(cartOrLocal(read, CART).orElseThrow().contains("milk"));
            assertTrue(c.get(CART, ReadConsistency.all(Duration.ofSeconds(3))).get(10, TimeUnit.SECONDS)
                    .orElseThrow().contains("milk"), "an all read on another node sees it");

            QuorumStats stats = node.consistencyStats();
            long majorityWrites = stats.writes().get("majority");
            long timedOut = stats.timeouts();
            assertEquals(1, majorityWrites);
            assertEquals(0, timedOut);
            assertEquals(1, stats.reads().get("majority"));
        }
    }

    private static ClusterNode start(String cluster, ClusterSecret secret, String name) {
        return ClusterNode.builder().name(name).keys(CART)
                .transport(JGroupsTransport.builder().clusterName(cluster).secret(secret).inJvm()
                        .failureDetectionTimeout(Duration.ofMillis(1500)).mergeInterval(Duration.ofSeconds(1)))
                .sync(SyncConfig.builder().syncInterval(Duration.ofMillis(20)).ackTimeout(Duration.ofMillis(200))
                        .heartbeatInterval(Duration.ofMillis(300)).build())
                .shutdownTimeout(Duration.ofSeconds(2)).start();
    }

    /** Waits, at most 30 s, until every node counts all of them in N and reaches them. */
    private static void awaitCounted(List<ClusterNode> nodes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!nodes.stream().allMatch(n -> n.members().stream().filter(m -> m.counted() && m.reachable()).count() == nodes.size())) {
            if (System.nanoTime() > deadline) {
                fail("not all counted within 30 s: " + nodes.get(0).members());
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aWriteTimeoutIsAResultNotARollback() throws Exception {
        try (Replicas rs = new Replicas(21, "a", "b", "c"); Quorums quorums = Quorums.create()) {
            rs.awaitMesh();
            rs.crash("b", "c");
            CompletableFuture<ORSet<String>> write = quorums.write(rs.get("a"), CART,
                    (cart, ctx) -> cart.add(ctx.self(), "milk"), WriteConsistency.majority(Duration.ofMillis(200)),
                    rs.view("a"));
            assertEquals("not confirmed by 1 more member(s): [b, c]", outcome(write));
            assertTrue(Replicas.holds(rs.get("a"), "milk"), "the write stays applied");
        }
    }

    static String outcome(CompletableFuture<ORSet<String>> write) throws Exception {
        try {
            write.get(10, TimeUnit.SECONDS);
            return "confirmed";
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WriteTimeoutException t) {
                // Applied here and still spreading; only the confirmation is missing.
                int missing = t.required() - t.acknowledged();
                return "not confirmed by " + missing + " more member(s): " + t.pendingPeers();
            }
            throw e;
        }
    }

    @Test
    void aReadTimeoutCarriesWhatThisNodeKnows() throws Exception {
        try (Replicas rs = new Replicas(22, "a", "b", "c"); Quorums quorums = Quorums.create()) {
            rs.awaitMesh();
            rs.get("a").update(CART, (cart, ctx) -> cart.add(ctx.self(), "jam"));
            rs.net.lossRate(1.0);
            CompletableFuture<Optional<ORSet<String>>> read = quorums.read(rs.get("a"), CART,
                    ReadConsistency.majority(Duration.ofMillis(200)), rs.view("a"));
            assertTrue(cartOrLocal(read, CART).orElseThrow().contains("jam"));
        }
    }

    static Optional<ORSet<String>> cartOrLocal(CompletableFuture<Optional<ORSet<String>>> read,
            Key<ORSet<String>> cart) throws Exception {
        try {
            return read.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ReadTimeoutException t) {
                // This node's state, already joined with whatever the peers that answered sent.
                return t.localValue(cart);
            }
            throw e;
        }
    }

}
