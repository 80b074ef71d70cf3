package io.converge.net.consistency;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.testing.InMemoryNetwork;
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

    Replicas(long seed, String... names) {
        this.net = new InMemoryNetwork(seed);
        // A short ack timeout so a lost interval is resent well inside the tests' consistency timeouts.
        SyncConfig sync = SyncConfig.builder().syncInterval(Duration.ofMillis(20)).ackTimeout(Duration.ofMillis(200))
                .heartbeatInterval(Duration.ofMillis(200)).build();
        for (String n : names) {
            byName.put(n, Replicator.start(ReplicatorConfig.builder(ReplicaId.of(n)).transport(net.transport())
                    .codecs(CODECS).sync(sync).shutdownTimeout(Duration.ofSeconds(1)).build()));
        }
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

    /** Waits until every replica is up at every other (each knows the others' positions). */
    void awaitMesh() {
        awaitUntil("every replica up at every other", () -> byName.values().stream()
                .allMatch(r -> byName.values().stream().allMatch(o -> o == r || r.stats().acknowledged(o.self()) >= 0)));
    }

    static void awaitUntil(String what, BooleanSupplier condition) {
        awaitUntil(() -> what, condition);
    }

    static void awaitUntil(Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what.get());
            }
        }
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
