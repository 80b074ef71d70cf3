package io.converge.net;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;

/** The Javadoc examples of this module, compiled here so they cannot rot (style.md). Not run. */
final class Snippets {
    private Snippets() {
    }

    /** {@link JGroupsTransport}'s class example. */
    static void joinACluster(ReplicaId id) throws Exception {
        JGroupsTransport t = JGroupsTransport.builder()
                .clusterName("carts").secret(ClusterSecret.fromEnv("CONVERGE_SECRET"))
                .bind(InetAddress.getByName("10.0.0.5"), 7800)
                .seeds("10.0.0.5:7800,10.0.0.6:7800").build();
        try (Replicator r = Replicator.start(ReplicatorConfig.builder(id).transport(t)
                .codecs(TestCluster.CODECS).build())) {
            r.update(TestCluster.SET, (s, ctx) -> s.add(ctx.self(), "x"));
        }
    }

    /** {@link ConvergeMetrics}'s class example. */
    static void bindMetrics(Replicator replicator, JGroupsTransport transport, MeterRegistry registry) {
        ConvergeMetrics metrics = ConvergeMetrics.builder(replicator, transport).build();
        metrics.bindTo(registry);
        metrics.close();
    }

    private static final io.converge.crdt.engine.Key<io.converge.crdt.ORSet<String>> CART = TestCluster.SET;

    /** {@link ClusterNode}'s class example. */
    static void startAClusterNode() {
        try (ClusterNode node = ClusterNode.builder()
                .name("cart-1").roles(java.util.Set.of("web"))
                .dataDirectory(java.nio.file.Path.of("/var/lib/carts"))
                .keys(CART)
                .transport(JGroupsTransport.builder().clusterName("carts")
                        .secret(ClusterSecret.fromEnv("CONVERGE_SECRET")).seeds("10.0.0.5:7800,10.0.0.6:7800"))
                .start()) {
            node.update(CART, (cart, ctx) -> cart.add(ctx.self(), "milk"));
        }
    }
}
