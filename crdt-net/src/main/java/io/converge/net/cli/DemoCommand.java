package io.converge.net.cli;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.engine.Subscription;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.testing.InMemoryNetwork;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code crdt-node demo}: three in-process replicators share a map over in-memory links that
 * lose a quarter of all messages; one node is cut off by a partition while everyone keeps
 * writing; the partition heals and the anti-entropy protocol brings every node to the same map.
 *
 * <p>Until the network layer exists the links are in memory, but everything else is the real
 * engine: the protocol machine, its driver thread, acknowledgements, retransmission and
 * digest-driven transfers.
 */
final class DemoCommand {
    private static final Key<AWLWWMap<String, String>> CARTS = Key.of("carts", AWLWWMap.empty(),
            CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.string()));
    private static final String[] NAMES = {"lisbon", "osaka", "quito"};

    private final PrintStream out;
    private final long seed;

    /** The {@code demo} command line. */
    @picocli.CommandLine.Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Three in-process nodes replicate a map over lossy links through a partition.")
    static final class Cli implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        CrdtNode root;

        @picocli.CommandLine.Option(names = "--seed", paramLabel = "N", defaultValue = "42",
                description = "Seed of the message losses; the same seed replays the same run (default ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() {
            try {
                return new DemoCommand(root.out, seed).run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                root.err.println("crdt-node: interrupted");
                return 130;
            }
        }
    }

    DemoCommand(PrintStream out, long seed) {
        this.out = out;
        this.seed = seed;
    }

    int run() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(seed);
        net.lossRate(0.25);
        SyncConfig sync = SyncConfig.builder().syncInterval(Duration.ofMillis(20)).ackTimeout(Duration.ofMillis(150))
                .heartbeatInterval(Duration.ofMillis(500)).build();
        List<Replicator> nodes = new ArrayList<>();
        AtomicInteger remoteChanges = new AtomicInteger();
        List<Subscription> subscriptions = new ArrayList<>();
        try {
            for (String name : NAMES) {
                Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of(name)).transport(net.transport())
                        .codecs(CodecRegistry.of(CARTS.codec().orElseThrow())).sync(sync).build());
                nodes.add(r);
                subscriptions.add(r.subscribe(CARTS, e -> remoteChanges.addAndGet(e.changes().size())));
            }
            Replicator lisbon = nodes.get(0);
            Replicator osaka = nodes.get(1);
            Replicator quito = nodes.get(2);

            out.println("Three nodes share a map of carts. The links lose 25% of all messages.");
            out.println();
            write(lisbon, "put", "cart:alice", "2 apples");
            write(osaka, "put", "cart:bob", "1 pear");
            write(quito, "put", "cart:carol", "5 figs");
            awaitConverged(nodes, 10_000);
            out.println("  ... all three nodes agree.");
            out.println();
            out.println("quito is cut off by a partition; both sides keep writing:");
            net.partition(Set.of(quito.self()));
            write(quito, "put", "cart:alice", "3 apples");
            write(lisbon, "remove", "cart:carol", "");
            write(osaka, "put", "cart:dave", "1 melon");
            write(quito, "put", "cart:erin", "4 plums");
            write(lisbon, "put", "cart:bob", "2 pears");
            out.println();
            out.println("During the partition:");
            print(nodes);
            out.println();
            out.println("The partition heals.");
            net.heal();
            long start = System.nanoTime();
            boolean converged = awaitConverged(nodes, 20_000);
            long millis = (System.nanoTime() - start) / 1_000_000;
            out.println();
            print(nodes);
            out.println();
            if (!converged) {
                out.println("NOT CONVERGED within 20 s");
                return 1;
            }
            out.printf("Converged %d ms after the heal: every node holds the same map.%n", millis);
            out.printf("Messages sent %d, lost %d; listeners saw %d changes.%n", net.sent(), net.dropped(),
                    remoteChanges.get());
            return 0;
        } finally {
            subscriptions.forEach(Subscription::close);
            nodes.forEach(Replicator::close);
        }
    }

    private void write(Replicator node, String op, String key, String value) throws InterruptedException {
        if (op.equals("put")) {
            node.update(CARTS, (m, r) -> m.put(r.self(), r.clock(), key, value));
        } else {
            node.update(CARTS, (m, r) -> m.remove(key));
        }
        out.printf("  %-7s %-6s %-11s %s%n", node.self(), op, key, value);
        Thread.sleep(5); // distinct milliseconds, so "later" is unambiguous in the story
    }

    private static Map<String, String> view(Replicator r) {
        return new TreeMap<>(r.get(CARTS).map(AWLWWMap::value).orElse(Map.of()));
    }

    private void print(List<Replicator> nodes) {
        for (Replicator r : nodes) {
            out.printf("  %-7s %s%n", r.self(), view(r));
        }
    }

    private static boolean awaitConverged(List<Replicator> nodes, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            Map<String, String> first = view(nodes.get(0));
            boolean same = true;
            for (Replicator r : nodes) {
                same &= r.get(CARTS).equals(nodes.get(0).get(CARTS)) && view(r).equals(first);
            }
            if (same) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }
}
