package io.converge.net;

import static io.converge.net.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Consistency levels and meters through {@link ClusterNode}, over JGroups' in-JVM transport: the
 * member record gives {@code N}, and a cut-off node still counts the members it cannot reach.
 */
class ClusterNodeConsistencyTest {
    private final ClusterNodeTest cluster = new ClusterNodeTest();

    @AfterEach
    void closeAll() {
        cluster.closeAll();
    }

    private static long hits(ClusterNode n) {
        return n.get(ClusterNodeTest.HITS).map(GCounter::value).orElse(0L);
    }

    @Test
    void majorityWritesSucceedOnTheTwoSideAndTimeOutOnTheCutOffNodeWhichKeepsItsWrite() throws Exception {
        ClusterNode a = cluster.start("a");
        ClusterNode b = cluster.start("b");
        ClusterNode c = cluster.start("c");
        ClusterNodeTest.awaitAllUp(List.of(a, b, c));
        WriteConsistency majority = WriteConsistency.majority(Duration.ofSeconds(3));

        assertEquals(1, a.update(ClusterNodeTest.HITS, (g, ctx) -> g.increment(ctx.self(), 1), majority)
                .get(10, TimeUnit.SECONDS).value());

        cluster.discards.get(c).discardAll(true);
        ClusterNodeTest.awaitMember(a, c, m -> !m.reachable(), "unreachable");
        await(() -> c.memberView().reachablePeers().isEmpty(), () -> "c reaches nobody: " + c.members());

        // Two of N = 3 acknowledge on the majority side.
        a.update(ClusterNodeTest.HITS, (g, ctx) -> g.increment(ctx.self(), 1), majority).get(10, TimeUnit.SECONDS);
        // The cut-off node still counts a and b: it cannot reach a majority, and says who is missing.
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> c.update(ClusterNodeTest.HITS, (g, ctx) -> g.increment(ctx.self(), 10),
                        WriteConsistency.majority(Duration.ofMillis(800))).join());
        WriteTimeoutException timeout = assertInstanceOf(WriteTimeoutException.class, e.getCause());
        assertEquals(1, timeout.acknowledged());
        assertEquals(2, timeout.required());
        assertEquals(Set.of(a.self(), b.self()), timeout.pendingPeers());
        assertEquals(1, c.consistencyStats().writeTimeouts().get("majority"));
        assertEquals(11, hits(c), "the timed-out write stays applied on c");

        cluster.discards.get(c).discardAll(false);
        for (ClusterNode n : List.of(a, b, c)) {
            await(() -> hits(n) == 12, () -> n.self() + " holds every write after the heal: " + hits(n));
        }
        // Healed: a majority read on c sees everything, and an all-write is acknowledged by all.
        assertEquals(12, c.get(ClusterNodeTest.HITS, ReadConsistency.majority(Duration.ofSeconds(5)))
                .get(10, TimeUnit.SECONDS).orElseThrow().value());
        ClusterNodeTest.awaitMember(c, a, Member::reachable, "reachable");
        ClusterNodeTest.awaitMember(c, b, Member::reachable, "reachable");
        assertEquals(13, c.update(ClusterNodeTest.HITS, (g, ctx) -> g.increment(ctx.self(), 1),
                WriteConsistency.all(Duration.ofSeconds(5))).get(10, TimeUnit.SECONDS).value());
    }

    @Test
    void theNodesMetersCountMembersByStatusAndConsistencyTimeouts() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClusterNode a = cluster.start("a", x -> x.replicaId(io.converge.crdt.causal.ReplicaId.of("a"))
                .meterRegistry(registry));
        ClusterNode b = cluster.start("b");
        ClusterNodeTest.awaitAllUp(List.of(a, b));
        await(() -> registry.get("converge.members").tags("node", "a", "status", "up").gauge().value() == 2.0,
                () -> "two members up on a's meters");

        cluster.discards.get(b).discardAll(true);
        ClusterNodeTest.awaitMember(a, b, m -> !m.reachable(), "unreachable");
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> a.update(ClusterNodeTest.HITS, (g, ctx) -> g.increment(ctx.self(), 1),
                        WriteConsistency.all(Duration.ofMillis(300))).join());
        assertInstanceOf(WriteTimeoutException.class, e.getCause());
        assertEquals(1.0, registry.get("converge.consistency.timeouts")
                .tags("node", "a", "operation", "write", "level", "all").functionCounter().count());

        a.close();
        assertTrue(registry.find("converge.members").meters().isEmpty(), "a closed node removes its meters");
    }
}
