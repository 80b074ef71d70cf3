package io.converge.net;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import java.net.InetAddress;

/**
 * A node in a child JVM for {@link KilledProcessTest}: {@code ChildNode <cluster> <secret-base64>
 * <seeds> <id>} joins over TCP on a free port of 127.0.0.1, writes one element, prints
 * {@code READY}, and runs until killed (or 60 s, so it can never outlive a broken test for long).
 */
public final class ChildNode {
    private ChildNode() {
    }

    public static void main(String[] args) throws Exception {
        JGroupsTransport t = JGroupsTransport.builder().clusterName(args[0])
                .secret(ClusterSecret.fromBase64(args[1])).bind(InetAddress.getLoopbackAddress(), 0).seeds(args[2])
                .failureDetectionTimeout(TestCluster.FD).mergeInterval(TestCluster.MERGE).build();
        Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of(args[3])).transport(t)
                .codecs(TestCluster.CODECS).sync(TestCluster.SYNC).build());
        r.update(TestCluster.SET, (s, ctx) -> s.add(ctx.self(), "from-child"));
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(60_000);
        r.close();
    }
}
