package io.converge.net;

import static io.converge.net.TestCluster.add;
import static io.converge.net.TestCluster.await;
import static io.converge.net.TestCluster.awaitConverged;
import static io.converge.net.TestCluster.since;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.net.TestCluster.Node;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Replicators over the JGroups transport on {@code SHARED_LOOPBACK}, in one JVM. */
class JGroupsTransportTest {
    @Test
    void twoReplicatorsConverge() {
        try (TestCluster c = new TestCluster()) {
            long t0 = System.nanoTime();
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            System.out.printf("[figure] in-JVM: two nodes admitted each other %d ms after the first start%n", since(t0));
            add(a, "x");
            add(b, "y");
            awaitConverged(List.of(a, b), Set.of("x", "y"), 2);
            assertEquals(0, a.transport().stats().refusals());
            assertTrue(a.transport().stats().framesIn() > 0);
        }
    }

    @Test
    void threeReplicatorsConvergeWithWritesOnEach() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            Node d = c.start("d");
            List<Node> all = List.of(a, b, d);
            add(a, "x");
            add(b, "y");
            add(d, "z");
            c.awaitAdmitted(all);
            a.replicator().update(TestCluster.SET, (s, r) -> s.remove("x"));
            awaitConverged(all, Set.of("y", "z"), 3);
        }
    }

    @Test
    void restartedReplicaIsSeenAsANewIncarnationAndCatchesUp() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            add(a, "x");
            awaitConverged(List.of(a, b), Set.of("x"), 1);
            long first = b.transport().incarnation();
            assertEquals(first, a.peer(b.id()).incarnation());
            b.replicator().close(); // goodbye, then a JGroups leave
            await(() -> !a.transport().admittedPeers().contains(b.id()), () -> "b gone");
            Node b2 = c.start("b");
            assertTrue(b2.transport().incarnation() > first);
            c.awaitAdmitted(List.of(a, b2));
            await(() -> a.peer(b2.id()) != null && a.peer(b2.id()).incarnation() == b2.transport().incarnation()
                    && a.peer(b2.id()).up(), () -> "a sees b's new incarnation: " + a.replicator().stats().peers());
            // b restarted empty (no store): it gets a's state back.
            awaitConverged(List.of(a, b2), Set.of("x"), 1);
        }
    }

    @Test
    void newIncarnationReplacesAnUnreachableOldOneWhoseFramesAreThenDropped() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            // b "hangs": silent, but still in a's view until the failure detector removes it.
            b.discard().discardAll(true);
            Node b2 = c.start("b");
            await(() -> a.transport().admittedPeers().contains(b2.id()) && a.peer(b2.id()) != null
                    && a.peer(b2.id()).incarnation() == b2.transport().incarnation(), () -> "b2 admitted");
            add(a, "x");
            add(b2, "y");
            awaitConverged(List.of(a, b2), Set.of("x", "y"), 2);
            // The old b wakes up: a never admits it again nor applies anything it sends.
            add(b, "stale");
            b.discard().discardAll(false);
            await(() -> a.transport().stats().refusals() + a.transport().stats().droppedStale() > 0,
                    () -> "old incarnation refused or dropped: " + TestCluster.describe(List.of(a, b, b2)));
            awaitConverged(List.of(a, b2), Set.of("x", "y"), 2);
            assertEquals(b2.transport().incarnation(), a.peer(b2.id()).incarnation());
        }
    }

    @Test
    void partitionedNodeGoesUnreachableThenUpAndEveryoneConvergesAfterTheHeal() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            Node d = c.start("d");
            List<Node> all = List.of(a, b, d);
            c.awaitAdmitted(all);
            add(a, "before");
            awaitConverged(all, Set.of("before"), 1);

            long cut = System.nanoTime();
            d.discard().discardAll(true);
            await(() -> !a.transport().admittedPeers().contains(d.id()) && !b.transport().admittedPeers()
                    .contains(d.id()) && d.transport().admittedPeers().isEmpty(), () -> "split");
            System.out.printf("[figure] in-JVM: silent node out of the others' views in %d ms (fd timeout %s)%n",
                    since(cut), TestCluster.FD);
            await(() -> !a.peer(d.id()).up() && !d.peer(a.id()).up(), () -> "engine sees d down");
            add(a, "a-side");
            add(d, "d-side");
            awaitConverged(List.of(a, b), Set.of("before", "a-side"), 2);
            assertFalse(d.replicator().get(TestCluster.SET).orElseThrow().contains("a-side"));

            long heal = System.nanoTime();
            d.discard().discardAll(false);
            awaitConverged(all, Set.of("before", "a-side", "d-side"), 3);
            System.out.printf("[figure] in-JVM: 3 nodes converged %d ms after the heal (merge interval %s)%n",
                    since(heal), TestCluster.MERGE);
            c.awaitAdmitted(all);
            assertTrue(a.peer(d.id()).up() && d.peer(a.id()).up());
            assertEquals(d.transport().incarnation(), a.peer(d.id()).incarnation());
        }
    }

    @Test
    void closedNodeIsReportedDownToItsPeers() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            long t0 = System.nanoTime();
            b.transport().close(); // no goodbye from the engine: only the JGroups leave
            await(() -> !a.transport().admittedPeers().contains(b.id()) && !a.peer(b.id()).up(), () -> "b down");
            System.out.printf("[figure] in-JVM: closed transport (JGroups leave, no goodbye) seen down in %d ms%n",
                    since(t0));
        }
    }
}
