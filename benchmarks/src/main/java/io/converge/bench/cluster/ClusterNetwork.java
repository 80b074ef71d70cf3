package io.converge.bench.cluster;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.MachineStats;
import io.converge.crdt.testing.InMemoryNetwork;
import io.converge.net.ClusterSecret;
import io.converge.net.JGroupsTransport;
import io.converge.net.TransportStats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * The links between {@link ClusterHarness}'s replicators, chosen with
 * {@code -Dconverge.transport} (default {@code memory}):
 * <ul>
 *   <li>{@code memory}: crdt-core's {@link InMemoryNetwork}, the sender's thread calls the
 *       receiver (no sockets, no JGroups);</li>
 *   <li>{@code jgroups-loopback}: {@link JGroupsTransport} over JGroups' {@code SHARED_LOOPBACK}
 *       (the whole JGroups stack and the admission handshake, no sockets);</li>
 *   <li>{@code tcp-plain}: {@link JGroupsTransport} over TCP on 127.0.0.1, TLS turned off;</li>
 *   <li>{@code tcp-tls}: the same with TLS 1.3 (the default CA derived from the secret).</li>
 * </ul>
 * Every transport is wrapped in one counter of what the engine hands it (frames, bytes, largest
 * frame), so the wire figures mean the same over every link. Each TCP node binds a free port and
 * takes the nodes started before it as seeds. {@link #transport()} is for one thread; the counters
 * are thread-safe.
 */
final class ClusterNetwork {
    /** The links, by the name given to {@code -Dconverge.transport}. */
    enum Kind {
        MEMORY("memory"), JGROUPS_LOOPBACK("jgroups-loopback"), TCP_PLAIN("tcp-plain"), TCP_TLS("tcp-tls");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        /** @throws IllegalArgumentException if {@code label} names no kind */
        static Kind parse(String label) {
            for (Kind k : values()) {
                if (k.label.equals(label)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("converge.transport must be one of "
                    + Arrays.stream(values()).map(k -> k.label).collect(Collectors.joining(", "))
                    + ", got '" + label + "'");
        }
    }

    private final Kind kind;
    private final InMemoryNetwork memory;
    /** Unique per run, so that no other JVM's (or run's) members join. */
    private final String clusterName = "bench-" + UUID.randomUUID();
    private final ClusterSecret secret = ClusterSecret.random();
    private final List<JGroupsTransport> jgroups = new ArrayList<>();
    private final LongAdder frames = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final AtomicLong largestFrame = new AtomicLong();

    ClusterNetwork(Kind kind, long seed) {
        this.kind = kind;
        this.memory = kind == Kind.MEMORY ? new InMemoryNetwork(seed) : null;
    }

    Kind kind() {
        return kind;
    }

    /** A transport for the next node; over TCP, call it after the previous node started. */
    FrameTransport transport() {
        if (kind == Kind.MEMORY) {
            return new Counting(memory.transport());
        }
        JGroupsTransport.Builder b = JGroupsTransport.builder().clusterName(clusterName).secret(secret);
        switch (kind) {
            case JGROUPS_LOOPBACK -> b.inJvm();
            case TCP_PLAIN -> b.bind(InetAddress.getLoopbackAddress(), 0).seeds(seeds()).insecurePlaintext();
            case TCP_TLS -> b.bind(InetAddress.getLoopbackAddress(), 0).seeds(seeds());
            default -> throw new AssertionError(kind);
        }
        JGroupsTransport t = b.build();
        jgroups.add(t);
        return new Counting(t);
    }

    private List<InetSocketAddress> seeds() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (JGroupsTransport t : jgroups) {
            t.localAddress().ifPresent(out::add);
        }
        return out;
    }

    /**
     * Waits until every engine of {@code nodes} holds every other up (over JGroups: connected and
     * admitted), so that a measurement does not start with the handshakes.
     *
     * @return whether they did within {@code timeoutMillis}
     */
    static boolean awaitPeersUp(List<Replicator> nodes, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!allUp(nodes)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private static boolean allUp(List<Replicator> nodes) {
        for (Replicator r : nodes) {
            Map<ReplicaId, MachineStats.PeerStats> peers = r.stats().peers();
            for (Replicator o : nodes) {
                MachineStats.PeerStats p = peers.get(o.self());
                if (o != r && (p == null || !p.up())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Frames the engines handed to their transports. */
    long frames() {
        return frames.sum();
    }

    /** Their bytes. */
    long bytes() {
        return bytes.sum();
    }

    long largestFrame() {
        return largestFrame.get();
    }

    /**
     * What the JGroups transports counted, one line per node (admissions above the cluster's size
     * mean a peer was suspected and admitted again); empty in memory.
     */
    String transportReport() {
        StringBuilder sb = new StringBuilder();
        for (JGroupsTransport t : jgroups) {
            TransportStats s = t.stats();
            sb.append(String.format("  view %d, admitted %d, admissions %d, frames out %,d, in %,d, "
                    + "dropped outbound %,d, stale %,d%n", s.viewSize(), s.admittedPeers(), s.admissions(), s.framesOut(), s.framesIn(),
                    s.droppedOutbound(), s.droppedStale()));
        }
        return sb.toString();
    }

    /** Counts what the engine sends, then passes everything on. */
    private final class Counting implements FrameTransport {
        private final FrameTransport inner;

        Counting(FrameTransport inner) {
            this.inner = inner;
        }

        @Override
        public void start(ReplicaId self, FrameReceiver receiver) {
            inner.start(self, receiver);
        }

        @Override
        public void send(ReplicaId to, byte[] frame) {
            frames.increment();
            bytes.add(frame.length);
            largestFrame.accumulateAndGet(frame.length, Math::max);
            inner.send(to, frame);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
