package io.converge.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Subscription;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java snippets of docs/cluster.md, compiled and run here (two nodes over TCP on 127.0.0.1). */
class ClusterPageTest {
    static final Key<ORSet<String>> CART = Key.of("cart", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));

    static ClusterNode startNode(String name, Path dataDir, ClusterSecret secret, List<InetSocketAddress> seeds) {
        ClusterNode node = ClusterNode.builder()
                .name(name)
                .roles(Set.of("web"))
                .dataDirectory(dataDir)
                .keys(CART)
                .transport(JGroupsTransport.builder()
                        .clusterName("carts")
                        .secret(secret)
                        .bind(InetAddress.getLoopbackAddress(), 0)
                        .seeds(seeds))
                .start();
        return node;
    }

    static Subscription watch(ClusterNode node, List<String> log) {
        Subscription members = node.subscribe(event -> {
            if (event instanceof MemberEvent.CurrentMembers now) {
                log.add("members: " + now.members().size());
            } else if (event instanceof MemberEvent.MemberUp up) {
                log.add("up: " + up.member().name());
            } else if (event instanceof MemberEvent.MemberUnreachable lost) {
                log.add("unreachable, still counted: " + lost.member().name());
            } else if (event instanceof MemberEvent.MemberLeft left) {
                log.add("left: " + left.member().name());
            }
        });
        return members;
    }

    static long counted(ClusterNode node) {
        long n = node.members().stream().filter(Member::counted).count();
        return n;
    }

    @Test
    void twoNodesRunAsThePageSays(@TempDir Path dir) {
        ClusterSecret secret = ClusterSecret.random();
        List<String> log = new CopyOnWriteArrayList<>();
        try (ClusterNode first = startNode("cart-1", dir.resolve("one"), secret, List.of());
                Subscription s = watch(first, log)) {
            ClusterNode second = startNode("cart-2", dir.resolve("two"), secret,
                    List.of(first.transport().localAddress().orElseThrow()));
            ReplicaId secondId = second.self();
            try (second) {
                second.update(CART, (cart, ctx) -> cart.add(ctx.self(), "milk"));
                TestCluster.await(() -> first.get(CART).map(ORSet::value).orElse(Set.of()).contains("milk"),
                        () -> "the cart reached the first node");
                TestCluster.await(() -> counted(first) == 2, () -> "two counted: " + first.members());
            }
            TestCluster.await(() -> log.contains("left: cart-2"), () -> "cart-2 left: " + log);
            assertEquals(1, counted(first));
            assertEquals("members: 1", log.get(0));
            assertTrue(first.members().stream().anyMatch(m -> m.id().equals(secondId)
                    && m.status() == MemberStatus.LEFT));
        }
    }

    @Test
    void everyJavaSnippetOfThePageIsInThisTest() throws IOException {
        int blocks = DocPages.assertJavaBlocksIn("cluster.md", ClusterPageTest.class);
        assertTrue(blocks >= 3, "docs/cluster.md has " + blocks + " Java snippets");
    }

}
