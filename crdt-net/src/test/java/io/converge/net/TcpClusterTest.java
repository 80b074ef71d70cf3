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

/** Three replicators over real TCP on 127.0.0.1, each on a free port, found through static seeds. */
class TcpClusterTest {
    @Test
    void threeNodesOnLoopbackTcpAdmitEachOtherAndConverge() {
        try (TestCluster c = new TestCluster()) {
            long t0 = System.nanoTime();
            Node a = c.startTcp("a", List.of(), b -> { });
            assertTrue(a.transport().localAddress().orElseThrow().getAddress().isLoopbackAddress());
            Node b = c.startTcp("b", c.seeds(), t -> { });
            c.awaitAdmitted(List.of(a, b));
            System.out.printf("[figure] TCP: second node admitted both ways %d ms after the first start%n", since(t0));
            long t1 = System.nanoTime();
            Node d = c.startTcp("d", c.seeds(), t -> { });
            List<Node> all = List.of(a, b, d);
            c.awaitAdmitted(all);
            System.out.printf("[figure] TCP: third node admitted by all %d ms after its start%n", since(t1));
            add(a, "x");
            add(b, "y");
            add(d, "z");
            awaitConverged(all, Set.of("x", "y", "z"), 3);

            long t2 = System.nanoTime();
            Node w = c.startTcp("w", c.seeds(), t -> t.secret(ClusterSecret.random()));
            // TLS (on by default) refuses it before admission: its handshakes fail on certificates.
            await(() -> w.transport().stats().tlsRejectedCertificates() > 0,
                    () -> "w refused by TLS: " + TestCluster.describe(c.nodes));
            System.out.printf("[figure] TCP: wrong-secret node's TLS handshake failed %d ms after its start%n",
                    since(t2));
            add(w, "intruder");
            add(a, "after");
            awaitConverged(all, Set.of("x", "y", "z", "after"), 4);
            assertTrue(w.transport().admittedPeers().isEmpty());
            assertEquals(0, w.transport().stats().framesIn());
            assertFalse(a.transport().admittedPeers().contains(w.id()));

            // d goes away without a goodbye: its transport closes (a JGroups leave over TCP).
            long t3 = System.nanoTime();
            d.transport().close();
            await(() -> !a.transport().admittedPeers().contains(d.id()) && !b.transport().admittedPeers()
                    .contains(d.id()), () -> "d down");
            System.out.printf("[figure] TCP: closed node seen down by both others in %d ms%n", since(t3));
            await(() -> !a.peer(d.id()).up(), () -> "a's engine sees d down");
            add(b, "last");
            awaitConverged(List.of(a, b), Set.of("x", "y", "z", "after", "last"), 5);
        }
    }

    @Test
    void silentTcpNodeLeavesTheViewAndMergesBackAfterTheHeal() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.startTcp("a", List.of(), b -> { });
            Node b = c.startTcp("b", c.seeds(), t -> { });
            Node d = c.startTcp("d", c.seeds(), t -> { });
            List<Node> all = List.of(a, b, d);
            c.awaitAdmitted(all);
            long cut = System.nanoTime();
            d.discard().discardAll(true); // a hung process: sockets open, nothing in or out
            await(() -> !a.transport().admittedPeers().contains(d.id()) && !b.transport().admittedPeers()
                    .contains(d.id()), () -> "d suspected and excluded");
            System.out.printf("[figure] TCP: silent node out of the others' views in %d ms (fd timeout %s)%n",
                    since(cut), TestCluster.FD);
            add(a, "x");
            add(d, "y");
            long heal = System.nanoTime();
            d.discard().discardAll(false);
            awaitConverged(all, Set.of("x", "y"), 2);
            System.out.printf("[figure] TCP: 3 nodes converged %d ms after the heal (merge interval %s)%n",
                    since(heal), TestCluster.MERGE);
        }
    }
}
