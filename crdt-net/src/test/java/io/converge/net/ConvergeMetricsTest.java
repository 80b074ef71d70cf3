package io.converge.net;

import static io.converge.net.TestCluster.add;
import static io.converge.net.TestCluster.await;
import static io.converge.net.TestCluster.awaitConverged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.engine.SyncStats;
import io.converge.crdt.protocol.TransferReason;
import io.converge.crdt.testing.InMemoryNetwork;
import io.converge.net.TestCluster.Node;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/** {@link ConvergeMetrics} over real {@link JGroupsTransport}s in one JVM. */
class ConvergeMetricsTest {
    @Test
    void countersAndGaugesFollowTheTraffic() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            SimpleMeterRegistry r = new SimpleMeterRegistry();
            AtomicLong writeMajority = new AtomicLong();
            try (ConvergeMetrics m = ConvergeMetrics.builder(a.replicator(), a.transport())
                    .members(() -> Map.of("up", 2, "unreachable", 0))
                    .timeouts(() -> Map.of("write.majority", writeMajority.get(), "read.all", 0L, "nodot", 5L,
                            "trailing.", 5L))
                    .refreshInterval(Duration.ZERO).build()) {
                m.bindTo(r);
                add(a, "x");
                add(b, "y");
                awaitConverged(List.of(a, b), Set.of("x", "y"), 2);
                // No refresh thread here: the engine may learn of b after bindTo, so refresh by hand.
                await(() -> {
                    m.refresh();
                    return r.find("converge.sync.lag").tag("peer", "b").gauge() != null
                            && gauge(r, "converge.sync.lag", "peer", "b") == 0;
                }, () -> "b acknowledged a's deltas: " + names(r));

                // Exact once both are admitted and converged. Awaited, not asserted at once: a
                // failure detector slowed by a loaded machine may suspect b for a moment.
                await(() -> gauge(r, "converge.transport.view.size") == 2
                        && gauge(r, "converge.transport.peers.admitted") == 1
                        && gauge(r, "converge.sync.peers", "reachability", "reachable") == 1
                        && gauge(r, "converge.sync.peers", "reachability", "unreachable") == 0
                        && gauge(r, "converge.sync.peer.up", "peer", "b") == 1
                        && gauge(r, "converge.sync.lag.max") == 0, () -> "a healthy pair: " + names(r));
                assertEquals(2, gauge(r, "converge.sync.keys"));
                assertEquals(2, gauge(r, "converge.members", "status", "up"));
                assertEquals(0, gauge(r, "converge.members", "status", "unreachable"));
                assertEquals(0, gauge(r, "converge.replica.id.reused"));
                for (String reason : List.of("stale", "oversize", "rate-limited", "malformed")) {
                    assertEquals(0, counter(r, "converge.frames.dropped", "layer", "transport", "reason", reason), reason);
                }
                for (String reason : List.of("undecodable", "inbound-full", "unencodable")) {
                    assertEquals(0, counter(r, "converge.frames.dropped", "layer", "engine", "reason", reason), reason);
                }
                assertEquals(0, counter(r, "converge.admissions.refused", "by", "self"));
                assertEquals(0, counter(r, "converge.admissions.refused", "by", "peer"));
                assertEquals(0, counter(r, "converge.sync.steps.failed"));
                assertEquals(0, counter(r, "converge.sync.conflicts.refused"));
                for (Meter refused : r.find("converge.sync.refused").meters()) {
                    assertEquals(0, ((FunctionCounter) refused).count(), refused.getId().toString());
                }
                assertEquals(6, r.find("converge.sync.refused").meters().size());

                // Traffic keeps flowing (heartbeats, acks): each counter lies between two snapshots.
                assertBetween(r, a, s -> s.framesIn(), "converge.sync.frames", "direction", "in");
                assertBetween(r, a, s -> s.framesOut(), "converge.sync.frames", "direction", "out");
                assertBetween(r, a, s -> s.bytesIn(), "converge.sync.bytes", "direction", "in");
                assertBetween(r, a, s -> s.bytesOut(), "converge.sync.bytes", "direction", "out");
                assertBetween(r, a, s -> s.transfers().getOrDefault(TransferReason.NEW_PEER, 0L),
                        "converge.sync.transfers", "reason", "new-peer");
                assertBetween(r, a, SyncStats::sequence, "converge.sync.sequence");
                assertTrue(counter(r, "converge.sync.frames", "direction", "in") > 0);
                assertTrue(counter(r, "converge.sync.bytes", "direction", "out")
                        >= counter(r, "converge.sync.frames", "direction", "out"));
                assertTrue(counter(r, "converge.sync.transfers", "reason", "new-peer") >= 1);
                assertTrue(counter(r, "converge.admissions") >= 1);
                assertTrue(gauge(r, "converge.sync.sequence") >= 1);

                // The timeouts supplier is read at scrape time; malformed keys get no meter.
                assertEquals(0, counter(r, "converge.consistency.timeouts", "operation", "write", "level", "majority"));
                writeMajority.set(3);
                assertEquals(3, counter(r, "converge.consistency.timeouts", "operation", "write", "level", "majority"));
                assertEquals(0, counter(r, "converge.consistency.timeouts", "operation", "read", "level", "all"));
                assertEquals(2, r.find("converge.consistency.timeouts").meters().size());
            }
            assertTrue(r.getMeters().isEmpty(), () -> "left after close: " + r.getMeters());
        }
    }

    @Test
    void perPeerMetersAppearWithAPeerAndFollowItWhenItLeaves() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            SimpleMeterRegistry r = new SimpleMeterRegistry();
            // The binder's own thread refreshes: nobody calls refresh() here.
            try (ConvergeMetrics m = ConvergeMetrics.builder(a.replicator(), a.transport())
                    .refreshInterval(Duration.ofMillis(20)).build()) {
                m.bindTo(r);
                c.awaitAdmitted(List.of(a, b));
                await(() -> r.find("converge.sync.lag").tag("peer", "b").gauge() != null
                        && r.find("converge.sync.peer.up").tag("peer", "b").gauge() != null, () -> "b's meters");
                await(() -> gauge(r, "converge.sync.peer.up", "peer", "b") == 1, () -> "b up");
                b.replicator().close();
                // Its Goodbye makes a forget it, and the thread removes its meters; should the view
                // change overtake the Goodbye, a keeps b as unreachable, and so do its meters.
                await(() -> a.replicator().stats().peers().containsKey(b.id())
                        ? r.find("converge.sync.peer.up").tag("peer", "b").gauge() != null
                                && gauge(r, "converge.sync.peer.up", "peer", "b") == 0
                        : r.find("converge.sync.lag").meters().isEmpty()
                                && r.find("converge.sync.peer.up").meters().isEmpty(),
                        () -> "b's meters gone or down: " + names(r));
                assertEquals(0, gauge(r, "converge.sync.peers", "reachability", "reachable"));
            }
        }
    }

    @Test
    void perPeerMetersStayWhileAPeerIsUnreachableAndGoWhenItIsRemoved() {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Replicator a = inMemory(net, "a");
        Replicator b = inMemory(net, "b");
        Replicator d = inMemory(net, "d");
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        TransportStats none = new TransportStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        try (ConvergeMetrics m = ConvergeMetrics.builder(a, () -> none).refreshInterval(Duration.ZERO).build()) {
            m.bindTo(r);
            awaitPeerMeters(m, r, Set.of("b", "d"));
            await(() -> gauge(r, "converge.sync.peers", "reachability", "reachable") == 2, () -> names(r));

            net.crash(d.self()); // unreachable: a keeps its position, and its meters
            await(() -> gauge(r, "converge.sync.peer.up", "peer", "d") == 0, () -> names(r));
            m.refresh();
            assertEquals(Set.of("b", "d"), peersWithMeters(r));
            assertEquals(1, gauge(r, "converge.sync.peers", "reachability", "unreachable"));

            b.close(); // removed: a releases it, and its meters go
            awaitPeerMeters(m, r, Set.of("d"));
            assertEquals(0, gauge(r, "converge.sync.peers", "reachability", "reachable"));

            Replicator b2 = inMemory(net, "b"); // a new incarnation: meters again
            try (b2) {
                awaitPeerMeters(m, r, Set.of("b", "d"));
                await(() -> gauge(r, "converge.sync.peer.up", "peer", "b") == 1, () -> names(r));
            }
        } finally {
            a.close();
            b.close();
            d.close();
        }
    }

    private static Replicator inMemory(InMemoryNetwork net, String id) {
        return Replicator.start(ReplicatorConfig.builder(ReplicaId.of(id)).transport(net.transport())
                .codecs(TestCluster.CODECS).sync(TestCluster.SYNC).build());
    }

    /** Refreshes until exactly {@code peers} have meters of their own. */
    private static void awaitPeerMeters(ConvergeMetrics m, MeterRegistry r, Set<String> peers) {
        await(() -> {
            m.refresh();
            return peersWithMeters(r).equals(peers)
                    && r.find("converge.sync.peer.up").meters().size() == peers.size();
        }, () -> "meters of " + peers + ": " + names(r));
    }

    private static Set<String> peersWithMeters(MeterRegistry r) {
        Set<String> out = new java.util.TreeSet<>();
        r.find("converge.sync.lag").meters().forEach(meter -> out.add(meter.getId().getTag("peer")));
        return out;
    }

    @Test
    void maxPeersBoundsThePeerTagsButNotTheAggregates() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            Node d = c.start("d");
            c.awaitAdmitted(List.of(a, b, d));
            await(() -> a.replicator().stats().peers().size() == 2, () -> "a knows b and d");
            SimpleMeterRegistry r = new SimpleMeterRegistry();
            try (ConvergeMetrics m = ConvergeMetrics.builder(a.replicator(), a.transport()).maxPeers(1)
                    .tags(Tags.of("node", "a")).refreshInterval(Duration.ZERO).build()) {
                m.bindTo(r);
                await(() -> gauge(r, "converge.sync.peers", "reachability", "reachable") == 2, () -> "both up");
                assertNotNull(r.find("converge.sync.lag").tag("peer", "b").gauge());
                assertNull(r.find("converge.sync.lag").tag("peer", "d").gauge());
                assertEquals(1, r.find("converge.sync.peer.up").meters().size());
                for (Meter meter : r.getMeters()) {
                    assertEquals("a", meter.getId().getTag("node"), meter.getId().toString());
                }
            }
        }
    }

    @Test
    void bindingIsIdempotentPerRegistryAndCloseRemovesFromEvery() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            SimpleMeterRegistry r1 = new SimpleMeterRegistry();
            SimpleMeterRegistry r2 = new SimpleMeterRegistry();
            ConvergeMetrics m = ConvergeMetrics.builder(a.replicator(), a.transport())
                    .refreshInterval(Duration.ZERO).build();
            m.bindTo(r1);
            int count = r1.getMeters().size();
            m.bindTo(r1);
            m.refresh();
            assertEquals(count, r1.getMeters().size());
            m.bindTo(r2);
            assertEquals(count, r2.getMeters().size());
            m.close();
            m.close();
            assertTrue(r1.getMeters().isEmpty());
            assertTrue(r2.getMeters().isEmpty());
            assertThrows(IllegalStateException.class, () -> m.bindTo(r1));
            m.refresh(); // nothing to do after close
            assertTrue(r1.getMeters().isEmpty());
        }
    }

    @Test
    void aFailingSupplierReadsNaNAndFailsNeitherBindingNorTheOtherMeters() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            AtomicBoolean failing = new AtomicBoolean(true);
            Supplier<Map<String, Long>> timeouts = () -> {
                if (failing.get()) {
                    throw new IllegalStateException("not ready");
                }
                return Map.of("write.all", 4L);
            };
            SimpleMeterRegistry r = new SimpleMeterRegistry();
            try (ConvergeMetrics m = ConvergeMetrics.builder(a.replicator(), a.transport()).timeouts(timeouts)
                    .refreshInterval(Duration.ZERO).build()) {
                m.bindTo(r);
                assertTrue(r.find("converge.consistency.timeouts").meters().isEmpty());
                assertEquals(1, gauge(r, "converge.transport.view.size"));
                failing.set(false);
                m.refresh();
                assertEquals(4, counter(r, "converge.consistency.timeouts", "operation", "write", "level", "all"));
                failing.set(true);
                assertTrue(Double.isNaN(counter(r, "converge.consistency.timeouts", "operation", "write", "level",
                        "all")));
                m.refresh(); // keeps the meter, reads nothing new
                assertEquals(1, r.find("converge.consistency.timeouts").meters().size());
            }
        }
    }

    @Test
    void builderRefusesBadSettingsAndSettingsGivenTwice() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            assertThrows(NullPointerException.class, () -> ConvergeMetrics.builder(null, a.transport()));
            assertThrows(NullPointerException.class, () -> ConvergeMetrics.builder(a.replicator(), (JGroupsTransport) null));
            ConvergeMetrics.Builder b = ConvergeMetrics.builder(a.replicator(), a.transport());
            assertThrows(IllegalArgumentException.class, () -> b.maxPeers(-1));
            assertThrows(IllegalArgumentException.class, () -> b.refreshInterval(Duration.ofMillis(-1)));
            assertThrows(IllegalArgumentException.class, () -> b.refreshInterval(Duration.ofNanos(10)));
            assertThrows(NullPointerException.class, () -> b.members(null));
            assertThrows(NullPointerException.class, () -> b.timeouts(null));
            assertThrows(NullPointerException.class, () -> b.tags(null));
            b.maxPeers(3).refreshInterval(Duration.ZERO).members(Map::of).timeouts(Map::of).tags(Tags.empty());
            assertThrows(IllegalStateException.class, () -> b.maxPeers(3));
            assertThrows(IllegalStateException.class, () -> b.refreshInterval(Duration.ZERO));
            assertThrows(IllegalStateException.class, () -> b.members(Map::of));
            assertThrows(IllegalStateException.class, () -> b.timeouts(Map::of));
            assertThrows(IllegalStateException.class, () -> b.tags(Tags.empty()));
            try (ConvergeMetrics m = b.build()) {
                assertThrows(NullPointerException.class, () -> m.bindTo(null));
            }
        }
    }

    static double gauge(MeterRegistry r, String name, String... tags) {
        Gauge g = r.find(name).tags(tags).gauge();
        assertNotNull(g, () -> name + " " + List.of(tags) + " not in " + names(r));
        return g.value();
    }

    static double counter(MeterRegistry r, String name, String... tags) {
        FunctionCounter f = r.find(name).tags(tags).functionCounter();
        assertNotNull(f, () -> name + " " + List.of(tags) + " not in " + names(r));
        return f.count();
    }

    private static String names(MeterRegistry r) {
        return r.getMeters().stream().map(m -> m.getId() + "=" + m.measure().iterator().next().getValue()).sorted()
                .toList().toString();
    }

    /** The meter's value lies between the figure of a snapshot taken before and one taken after. */
    private static void assertBetween(MeterRegistry r, Node n, ToLongFunction<SyncStats> figure, String name,
            String... tags) {
        long before = figure.applyAsLong(n.replicator().stats());
        Meter meter = r.find(name).tags(tags).meter();
        assertNotNull(meter, name);
        double value = meter.measure().iterator().next().getValue();
        long after = figure.applyAsLong(n.replicator().stats());
        assertTrue(before <= value && value <= after, name + " " + List.of(tags) + ": " + before + " ≤ " + value
                + " ≤ " + after);
    }
}
