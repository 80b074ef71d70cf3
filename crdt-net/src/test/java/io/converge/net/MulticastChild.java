package io.converge.net;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import java.net.InetAddress;
import java.util.Set;

/**
 * A node in a child JVM for {@link MulticastDiscoveryTest}, run inside a network namespace:
 * {@code MulticastChild <cluster> <secret-base64> <group> <port> <id> <other-id>} binds 127.0.0.1
 * on a free port, finds its peer only by multicast, writes its id, prints {@code CONVERGED <id>}
 * once it holds both ids, and runs until killed (or 60 s).
 */
public final class MulticastChild {
    private MulticastChild() {
    }

    public static void main(String[] args) throws Exception {
        JGroupsTransport t = JGroupsTransport.builder().clusterName(args[0])
                .secret(ClusterSecret.fromBase64(args[1])).bind(InetAddress.getLoopbackAddress(), 0)
                .multicast(InetAddress.getByName(args[2]), Integer.parseInt(args[3]))
                .failureDetectionTimeout(TestCluster.FD).mergeInterval(TestCluster.MERGE).build();
        Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of(args[4])).transport(t)
                .codecs(TestCluster.CODECS).sync(TestCluster.SYNC).build());
        r.update(TestCluster.SET, (s, ctx) -> s.add(ctx.self(), args[4]));
        long deadline = System.nanoTime() + 45_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (r.get(TestCluster.SET).map(ORSet::value).orElse(Set.of()).equals(Set.of(args[4], args[5]))) {
                System.out.println("CONVERGED " + args[4]);
                System.out.flush();
                break;
            }
            Thread.sleep(20);
        }
        Thread.sleep(Math.max(0, (deadline - System.nanoTime()) / 1_000_000 + 15_000));
        r.close();
    }
}
