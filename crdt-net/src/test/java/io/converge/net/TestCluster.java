package io.converge.net;


import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.protocol.MachineStats;
import io.converge.crdt.protocol.SyncConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jgroups.protocols.DISCARD;

/**
 * Replicators over {@link JGroupsTransport}s of one cluster, each with a {@code DISCARD} above its
 * transport to cut it off. Timings are shortened for tests unless {@code -Dconverge.net.fd} and
 * {@code -Dconverge.net.merge} (milliseconds) say otherwise; every wait is bounded.
 */
final class TestCluster implements AutoCloseable {
    static final Key<ORSet<String>> SET = Key.of("set", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));
    static final Key<GCounter> COUNT = Key.of("count", GCounter.empty(), CrdtCodecs.gCounter());
    static final CodecRegistry CODECS = CodecRegistry.of(SET.codec().orElseThrow(), COUNT.codec().orElseThrow());
    static final SyncConfig SYNC = SyncConfig.builder().syncInterval(Duration.ofMillis(20))
            .ackTimeout(Duration.ofMillis(200)).heartbeatInterval(Duration.ofMillis(300)).build();
    static final Duration FD = Duration.ofMillis(Long.getLong("converge.net.fd", 1500));
    static final Duration MERGE = Duration.ofMillis(Long.getLong("converge.net.merge", 1000));
    static final Duration WAIT = Duration.ofSeconds(30);

    final String name = "t-" + UUID.randomUUID();
    final ClusterSecret secret = ClusterSecret.random();
    final List<Node> nodes = new ArrayList<>();

    /** One replicator, its transport and the DISCARD in its stack. */
    record Node(Replicator replicator, JGroupsTransport transport, DISCARD discard) {
        ReplicaId id() {
            return replicator.self();
        }

        MachineStats.PeerStats peer(ReplicaId other) {
            return replicator.stats().peers().get(other);
        }
    }

    Node start(String id) {
        return start(id, b -> { });
    }

    Node start(String id, Consumer<JGroupsTransport.Builder> tweak) {
        return start(id, true, tweak);
    }

    /** A node on real TCP, bound to a free port of 127.0.0.1, finding the cluster through {@code seeds}. */
    Node startTcp(String id, List<java.net.InetSocketAddress> seeds, Consumer<JGroupsTransport.Builder> tweak) {
        return start(id, false, b -> tweak.accept(b.bind(java.net.InetAddress.getLoopbackAddress(), 0).seeds(seeds)));
    }

    /** A node on real TCP whose bind address and discovery {@code tweak} sets entirely. */
    Node startTcp(String id, Consumer<JGroupsTransport.Builder> tweak) {
        return start(id, false, tweak);
    }

    /** {@link #startTcp(String, List, Consumer)} that also edits the replicator's configuration. */
    Node startTcp(String id, List<java.net.InetSocketAddress> seeds, Consumer<JGroupsTransport.Builder> tweak,
            Consumer<ReplicatorConfig.Builder> config) {
        return start(id, false, b -> tweak.accept(b.bind(java.net.InetAddress.getLoopbackAddress(), 0).seeds(seeds)),
                config);
    }

    /** The TCP addresses of the nodes started so far, as seeds. */
    List<java.net.InetSocketAddress> seeds() {
        List<java.net.InetSocketAddress> out = new ArrayList<>();
        for (Node n : nodes) {
            n.transport().localAddress().ifPresent(out::add);
        }
        return out;
    }

    /**
     * {@link #start(String, Consumer)} that also edits the replicator's configuration after the
     * cluster's defaults are set (for example its {@code SyncConfig} or a failure listener).
     */
    Node start(String id, Consumer<JGroupsTransport.Builder> tweak, Consumer<ReplicatorConfig.Builder> config) {
        return start(id, true, tweak, config);
    }

    private Node start(String id, boolean inJvm, Consumer<JGroupsTransport.Builder> tweak) {
        return start(id, inJvm, tweak, c -> { });
    }

    private Node start(String id, boolean inJvm, Consumer<JGroupsTransport.Builder> tweak,
            Consumer<ReplicatorConfig.Builder> config) {
        DISCARD discard = new DISCARD();
        JGroupsTransport.Builder b = JGroupsTransport.builder().clusterName(name).secret(secret);
        if (inJvm) {
            b.inJvm();
        }
        b.failureDetectionTimeout(FD).mergeInterval(MERGE).stackCustomizer(stack -> {
                    stack.add(1, discard);
                    return stack;
                });
        tweak.accept(b);
        JGroupsTransport t = b.build();
        ReplicatorConfig.Builder rb = ReplicatorConfig.builder(ReplicaId.of(id)).transport(t).codecs(CODECS)
                .sync(SYNC);
        config.accept(rb);
        Replicator r = Replicator.start(rb.build());
        Node n = new Node(r, t, discard);
        nodes.add(n);
        return n;
    }

    /** Waits until every node of {@code group} admitted every other of it (and so has it up). */
    void awaitAdmitted(List<Node> group) {
        await(() -> group.stream().allMatch(n -> group.stream()
                .allMatch(o -> o == n || n.transport().admittedPeers().contains(o.id()))),
                () -> "all admitted: " + describe(group));
    }

    /** Waits until every node of {@code group} holds exactly {@code elements} and the count {@code count}. */
    static void awaitConverged(List<Node> group, Set<String> elements, long count) {
        await(() -> group.stream().allMatch(n -> n.replicator().get(SET).map(ORSet::value).orElse(Set.of())
                .equals(elements) && n.replicator().get(COUNT).map(GCounter::value).orElse(0L) == count),
                () -> "converged to " + elements + "/" + count + ": " + describe(group));
    }

    static void add(Node n, String element) {
        n.replicator().update(SET, (s, r) -> s.add(r.self(), element));
        n.replicator().update(COUNT, (c, r) -> c.increment(r.self(), 1));
    }

    static String describe(List<Node> group) {
        StringBuilder sb = new StringBuilder();
        for (Node n : group) {
            sb.append("\n  ").append(n.id()).append(" admitted=").append(n.transport().admittedPeers())
                    .append(" set=").append(n.replicator().get(SET).map(ORSet::value).orElse(Set.of()))
                    .append(" count=").append(n.replicator().get(COUNT).map(GCounter::value).orElse(0L))
                    .append(" ").append(n.transport().stats());
        }
        return sb.toString();
    }

    /** Polls {@code condition} every 10 ms for at most {@link #WAIT}; fails with {@code what} otherwise. */
    static void await(BooleanSupplier condition, Supplier<String> what) {
        Await.until(WAIT, Duration.ofMillis(10), condition, what);
    }

    /** Milliseconds since {@code startNanos}. */
    static long since(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            try {
                n.replicator().close();
            } catch (RuntimeException e) {
                // keep closing the others
            }
            n.transport().close();
        }
    }
}
