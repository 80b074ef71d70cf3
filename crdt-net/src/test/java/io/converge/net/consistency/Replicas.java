package io.converge.net.consistency;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.PeerDownReason;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.testing.InMemoryNetwork;
import io.converge.net.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Replicators named a, b, c, ... on one {@link InMemoryNetwork}, with hand-made member views:
 * every other replica is counted, and reachable unless the test cut it off. Close it.
 */
final class Replicas implements AutoCloseable {
    static final Key<ORSet<String>> CART = Key.of("cart", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));
    static final CodecRegistry CODECS = CodecRegistry.of(CART.codec().orElseThrow());
    /** Longest any test waits for a condition or a future: a bound, never an oracle. */
    static final Duration WAIT = Duration.ofSeconds(20);

    final InMemoryNetwork net;
    private final Map<String, Replicator> byName = new LinkedHashMap<>();
    /** Replicas cut off from everyone (crashed, or on the other side), as a failure detector reports. */
    private volatile Set<ReplicaId> cut = Set.of();
    private volatile Set<ReplicaId> side = Set.of();
    /** Per node, the nodes it takes only read answers from. */
    private final Map<String, Set<String>> filtered;

    Replicas(long seed, String... names) {
        this(seed, Map.of(), names);
    }

    /**
     * Replicas where each node named in {@code onlyReadRepliesFrom} takes from the nodes named
     * there nothing but answers to its reads: anti-entropy from them never reaches it, so whatever
     * it learns of their writes came through a read (read repair), deterministically.
     */
    Replicas(long seed, Map<String, Set<String>> onlyReadRepliesFrom, String... names) {
        this.net = new InMemoryNetwork(seed);
        this.filtered = Map.copyOf(onlyReadRepliesFrom);
        // A short ack timeout so a lost interval is resent well inside the tests' consistency timeouts.
        SyncConfig sync = SyncConfig.builder().syncInterval(Duration.ofMillis(20)).ackTimeout(Duration.ofMillis(200))
                .heartbeatInterval(Duration.ofMillis(200)).build();
        for (String n : names) {
            Set<ReplicaId> deafTo = ids(onlyReadRepliesFrom.getOrDefault(n, Set.of()).toArray(new String[0]));
            FrameTransport t = deafTo.isEmpty() ? net.transport() : onlyReadReplies(net.transport(), deafTo);
            byName.put(n, Replicator.start(ReplicatorConfig.builder(ReplicaId.of(n)).transport(t)
                    .codecs(CODECS).sync(sync).shutdownTimeout(Duration.ofSeconds(1)).build()));
        }
    }

    /** {@code inner}, dropping every frame from {@code senders} but answers to reads. */
    private static FrameTransport onlyReadReplies(FrameTransport inner, Set<ReplicaId> senders) {
        MessageCodec codec = new MessageCodec(CODECS, CodecLimits.defaults());
        return new FrameTransport() {
            @Override
            public void start(ReplicaId self, FrameReceiver receiver) {
                inner.start(self, new FrameReceiver() {
                    @Override
                    public void received(ReplicaId from, byte[] frame) {
                        if (!senders.contains(from) || codec.decode(frame) instanceof Message.ReadReply) {
                            receiver.received(from, frame);
                        }
                    }

                    @Override
                    public void peerUp(ReplicaId peer, long incarnation) {
                        receiver.peerUp(peer, incarnation);
                    }

                    @Override
                    public void peerDown(ReplicaId peer, PeerDownReason reason) {
                        receiver.peerDown(peer, reason);
                    }
                });
            }

            @Override
            public void send(ReplicaId to, byte[] frame) {
                inner.send(to, frame);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    Replicator get(String name) {
        return byName.get(name);
    }

    static ReplicaId id(String name) {
        return ReplicaId.of(name);
    }

    static Set<ReplicaId> ids(String... names) {
        Set<ReplicaId> out = new TreeSet<>();
        for (String n : names) {
            out.add(ReplicaId.of(n));
        }
        return out;
    }

    /** Cuts these replicas off for good, as if their processes died; they stay counted. */
    void crash(String... names) {
        Set<ReplicaId> c = new TreeSet<>(cut);
        for (String n : names) {
            net.crash(id(n));
            c.add(id(n));
        }
        cut = Set.copyOf(c);
    }

    /** Splits the network: {@code names} on one side, the rest on the other. */
    void partition(String... names) {
        side = ids(names);
        net.partition(side);
    }

    void heal() {
        side = Set.of();
        net.heal();
    }

    /** What {@code name}'s membership would say: all others counted, reachable unless cut off. */
    MemberView view(String name) {
        ReplicaId self = id(name);
        return new MemberView() {
            @Override
            public Set<ReplicaId> countedPeers() {
                Set<ReplicaId> out = new TreeSet<>();
                byName.keySet().forEach(n -> out.add(id(n)));
                out.remove(self);
                return out;
            }

            @Override
            public Set<ReplicaId> reachablePeers() {
                Set<ReplicaId> out = countedPeers();
                out.removeAll(cut);
                out.removeIf(p -> side.contains(p) != side.contains(self));
                return out;
            }
        };
    }

    /**
     * Waits until every replica knows every other's position (the first exchange is done), except
     * between a node and those it takes only read answers from (neither hears the other's acks or
     * offers).
     */
    void awaitMesh() {
        awaitUntil("every replica up at every other", () -> byName.entrySet().stream().allMatch(r -> byName.entrySet()
                .stream().allMatch(o -> o == r || filtered.getOrDefault(r.getKey(), Set.of()).contains(o.getKey())
                        || filtered.getOrDefault(o.getKey(), Set.of()).contains(r.getKey()) || r.getValue().stats().acknowledged(o.getValue().self()) >= 0)));
    }

    static void awaitUntil(String what, BooleanSupplier condition) {
        awaitUntil(() -> what, condition);
    }

    static void awaitUntil(Supplier<String> what, BooleanSupplier condition) {
        Await.until(WAIT, Duration.ofMillis(5), condition, what);
    }

    static boolean holds(Replicator r, String element) {
        return r.get(CART).map(s -> s.contains(element)).orElse(false);
    }

    List<Replicator> all() {
        return new ArrayList<>(byName.values());
    }

    @Override
    public void close() {
        // Crashed replicas cannot say goodbye: close them without waiting on the others.
        List<Thread> closers = new ArrayList<>();
        for (Replicator r : byName.values()) {
            Thread t = new Thread(r::close, "close-" + r.self());
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
