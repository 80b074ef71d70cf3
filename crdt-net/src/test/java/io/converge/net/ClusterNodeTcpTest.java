package io.converge.net;

import static io.converge.net.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.crdt.causal.ReplicaId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Three {@link ClusterNode}s over real TCP on 127.0.0.1, each on a free port, found through static seeds. */
class ClusterNodeTcpTest {
    @Test
    void threeNodesOnLoopbackTcpComeUpAndSeeEachOthersAddresses() {
        String cluster = "tcp-members-" + UUID.randomUUID();
        ClusterSecret secret = ClusterSecret.random();
        List<ClusterNode> nodes = new ArrayList<>();
        try {
            List<InetSocketAddress> seeds = new ArrayList<>();
            long t0 = 0;
            for (String id : List.of("a", "b", "c")) {
                t0 = System.nanoTime();
                JGroupsTransport.Builder t = JGroupsTransport.builder().clusterName(cluster).secret(secret)
                        .bind(InetAddress.getLoopbackAddress(), 0).seeds(List.copyOf(seeds))
                        .failureDetectionTimeout(TestCluster.FD).mergeInterval(TestCluster.MERGE);
                ClusterNode n = ClusterNode.builder().replicaId(ReplicaId.of(id)).keys(ClusterNodeTest.HITS)
                        .transport(t).sync(TestCluster.SYNC).shutdownTimeout(Duration.ofSeconds(4)).start();
                nodes.add(n);
                seeds.add(n.transport().localAddress().orElseThrow());
            }
            ClusterNodeTest.awaitAllUp(nodes);
            System.out.printf("[figure] TCP: third node seen UP by all three %d ms after its start began%n",
                    TestCluster.since(t0));
            for (ClusterNode o : nodes) {
                for (ClusterNode n : nodes) {
                    InetSocketAddress where = n.transport().localAddress().orElseThrow();
                    assertEquals(where.getHostString() + ":" + where.getPort(),
                            ClusterNodeTest.member(o, n).orElseThrow().address());
                }
                assertEquals(2, o.memberView().countedPeers().size());
            }
            nodes.get(0).update(ClusterNodeTest.HITS, (g, ctx) -> g.increment(ctx.self(), 3));
            await(() -> nodes.get(2).get(ClusterNodeTest.HITS).map(GCounter::value).orElse(0L) == 3,
                    () -> "c holds a's update");
            ClusterNode c = nodes.remove(2);
            long t1 = System.nanoTime();
            c.close();
            System.out.printf("[figure] TCP: graceful close took %d ms%n", TestCluster.since(t1));
            for (ClusterNode o : nodes) {
                ClusterNodeTest.awaitMember(o, c, m -> m.status() == MemberStatus.LEFT, "left");
                assertEquals(Set.of(nodes.get(0) == o ? nodes.get(1).self() : nodes.get(0).self()),
                        o.memberView().countedPeers());
            }
            assertTrue(nodes.get(0).transport().stats().refusals() == 0);
        } finally {
            nodes.forEach(ClusterNode::close);
        }
    }
}
