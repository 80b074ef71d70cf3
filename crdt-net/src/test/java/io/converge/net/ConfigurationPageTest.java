package io.converge.net;

import static io.converge.net.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Key;
import io.converge.crdt.protocol.SyncConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/configuration.md stays true: its Java snippets are compiled and run here, and it names every
 * setter of the node's, the transport's and the sync protocol's builders.
 */
class ConfigurationPageTest {
    static final Key<ORSet<String>> CART = Key.of("cart", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));
    static final Key<GCounter> VISITS = Key.of("visits", GCounter.empty(), CrdtCodecs.gCounter());

    /** The page's production-like node; the test binds 127.0.0.1 and port 0. */
    static ClusterNode productionLike(String name, Path dataDir, ClusterSecret secret, InetAddress bindAddress,
            int port, List<InetSocketAddress> seeds, MeterRegistry registry) {
        ClusterNode node = ClusterNode.builder()
                .name(name)
                .roles(Set.of("web", "eu-west-1a"))
                .dataDirectory(dataDir)
                .keys(CART, VISITS)
                .transport(JGroupsTransport.builder()
                        .clusterName("carts")
                        .secret(secret)
                        .bind(bindAddress, port)
                        .seeds(seeds)
                        .failureDetectionTimeout(Duration.ofSeconds(5))
                        .maxQueued(8192, 32L << 20))
                .sync(SyncConfig.builder()
                        .bufferMaxBytes(128L << 20)
                        .maxTransfersPerPeerPerMinute(10)
                        .build())
                .shutdownTimeout(Duration.ofSeconds(10))
                .meterRegistry(registry)
                .start();
        return node;
    }

    /** The page's node tuned for tests. */
    static ClusterNode forTests(String name, String clusterName, ClusterSecret secret) {
        ClusterNode node = ClusterNode.builder()
                .name(name)
                .keys(CART)
                .transport(JGroupsTransport.builder()
                        .clusterName(clusterName)
                        .secret(secret)
                        .inJvm()
                        .failureDetectionTimeout(Duration.ofMillis(1500))
                        .mergeInterval(Duration.ofSeconds(1)))
                .sync(SyncConfig.builder()
                        .syncInterval(Duration.ofMillis(20))
                        .ackTimeout(Duration.ofMillis(200))
                        .heartbeatInterval(Duration.ofMillis(300))
                        .build())
                .shutdownTimeout(Duration.ofSeconds(1))
                .start();
        return node;
    }

    @Test
    void productionLikeNodesFormAClusterOverTlsAndPublishTheirMeters(@TempDir Path dir) throws Exception {
        ClusterSecret secret = ClusterSecret.random();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ClusterNode first = productionLike("cart-1", dir.resolve("one"), secret, loopback, 0, List.of(),
                registry)) {
            InetSocketAddress seed = first.transport().localAddress().orElseThrow();
            try (ClusterNode second = productionLike("cart-2", dir.resolve("two"), secret, loopback, 0,
                    List.of(seed), registry)) {
                await(() -> first.members().stream().filter(m -> m.status() == MemberStatus.UP && m.reachable())
                        .count() == 2, () -> "both up: " + first.members());
                second.update(VISITS, (v, ctx) -> v.increment(ctx.self(), 1),
                        WriteConsistency.majority(Duration.ofSeconds(10))).get(20, TimeUnit.SECONDS);
                assertEquals(1L, first.get(VISITS).map(GCounter::value).orElse(0L), "held by both: a majority");
                assertEquals(Set.of("web", "eu-west-1a"), first.members().stream()
                        .filter(m -> m.name().equals("cart-2")).findFirst().orElseThrow().roles());
                for (String node : List.of("cart-1", "cart-2")) {
                    assertEquals(2.0, registry.get("converge.transport.view.size").tag("node", node).gauge().value());
                }
                TransportStats stats = second.transport().stats();
                assertEquals(1, stats.admittedPeers(), stats.toString());
                assertEquals(0, stats.tlsRejectedCertificates(), stats.toString());
            }
        }
        assertTrue(registry.getMeters().isEmpty(), "meters removed at close: " + registry.getMeters());
    }

    @Test
    void nodesTunedForTestsComeUpAndConverge() {
        String clusterName = "configuration-" + UUID.randomUUID();
        ClusterSecret secret = ClusterSecret.random();
        try (ClusterNode a = forTests("a", clusterName, secret); ClusterNode b = forTests("b", clusterName, secret)) {
            await(() -> a.members().stream().filter(Member::counted).count() == 2, () -> "two counted: " + a.members());
            a.update(CART, (cart, ctx) -> cart.add(ctx.self(), "milk"));
            await(() -> b.get(CART).map(ORSet::value).orElse(Set.of()).contains("milk"), () -> "milk reached b");
        }
    }

    @Test
    void pageNamesEverySetting() throws IOException {
        String page = DocPages.read("configuration.md");
        List<String> missing = new ArrayList<>();
        for (Class<?> builder : List.of(ClusterNode.Builder.class, JGroupsTransport.Builder.class,
                SyncConfig.Builder.class)) {
            Set<String> setters = new TreeSet<>();
            for (Method m : builder.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) && m.getReturnType() == builder) {
                    setters.add(m.getName());
                }
            }
            assertTrue(setters.size() > 5, builder + " has setters: " + setters);
            for (String s : setters) {
                if (!page.contains("`" + s + "(")) {
                    missing.add(builder.getSimpleName() + "." + s);
                }
            }
        }
        for (RecordComponent c : SyncConfig.class.getRecordComponents()) {
            String name = c.getName().replace("Millis", "");
            if (!page.contains("`" + name + "(")) {
                missing.add("SyncConfig." + name);
            }
        }
        assertEquals(List.of(), missing, "settings the page does not name");
    }

    /** A row of the page's tables: {@code | `setter(..)` | `SyncConfig` | default | meaning |}. */
    private static final Pattern SYNC_ROW = Pattern.compile(
            "^\\| `([a-zA-Z]+)\\([^`]*\\)` \\| `SyncConfig` \\| ([0-9,]+)( ms| s| KiB| MiB)? \\|", Pattern.MULTILINE);

    @Test
    void pageGivesTheSyncDefaultsOfTheCode() throws Exception {
        SyncConfig defaults = SyncConfig.defaults();
        Matcher row = SYNC_ROW.matcher(DocPages.read("configuration.md"));
        Set<String> checked = new TreeSet<>();
        while (row.find()) {
            long value = Long.parseLong(row.group(2).replace(",", ""));
            String unit = row.group(3) == null ? "" : row.group(3).strip();
            long documented = switch (unit) {
                case "s" -> value * 1000;
                case "KiB" -> value << 10;
                case "MiB" -> value << 20;
                default -> value;
            };
            String component = unit.endsWith("s") ? row.group(1) + "Millis" : row.group(1);
            Object actual = SyncConfig.class.getMethod(component).invoke(defaults);
            assertEquals(((Number) actual).longValue(), documented, "default of " + row.group(1));
            checked.add(component);
        }
        assertEquals(SyncConfig.class.getRecordComponents().length, checked.size(), "rows checked: " + checked);
    }

    @Test
    void everyJavaSnippetOfThePageIsInThisTest() throws IOException {
        assertEquals(2, DocPages.assertJavaBlocksIn("configuration.md", ConfigurationPageTest.class),
                "Java snippets of docs/configuration.md");
    }

}
