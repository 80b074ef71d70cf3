package io.converge.bench.cluster;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Change;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.SyncConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Cluster figures of issue 6: real replicators (protocol machines, driver threads, acks,
 * transfers) in one JVM, every message encoded and decoded with the real codec, linked by the
 * transport {@code -Dconverge.transport} names ({@link ClusterNetwork}): {@code memory} (the
 * default: in-memory links, no sockets, no JGroups), {@code jgroups-loopback} (JGroups'
 * {@code SHARED_LOOPBACK}), {@code tcp-plain} or {@code tcp-tls} (JGroups over TCP on 127.0.0.1,
 * without or with TLS). All nodes share the machine's cores, and TCP goes through the loopback
 * device only: no network latency or bandwidth limit is in the figures.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.converge.bench.cluster.ClusterHarness throughput [seconds]
 * java -Dconverge.transport=tcp-tls -cp benchmarks/target/benchmarks.jar io.converge.bench.cluster.ClusterHarness throughput
 * java -Dconverge.rate=60000 -cp benchmarks/target/benchmarks.jar io.converge.bench.cluster.ClusterHarness throughput
 * java -cp benchmarks/target/benchmarks.jar io.converge.bench.cluster.ClusterHarness two-nodes
 * java -Xmx6g -cp benchmarks/target/benchmarks.jar io.converge.bench.cluster.ClusterHarness join [keys]
 * </pre>
 */
public final class ClusterHarness {
    private static final CrdtCodec<AWLWWMap<String, Long>> MAP_CODEC = CrdtCodecs.awlwwMap(ValueCodec.string(),
            ValueCodec.int64());

    /**
     * Updates each writer keeps in flight (-Dconverge.window, default 256); -Dconverge.maxEntries
     * sets the protocol's message bound (default 500), -Dconverge.maxUpdatesPerStep the driver's
     * group-commit bound (default 256).
     */
    private static final int WINDOW = Integer.getInteger("converge.window", 256);
    /**
     * Updates per second offered by all writers together (-Dconverge.rate), paced evenly; 0 (the
     * default) writes as fast as the window allows, at saturation.
     */
    private static final int RATE = Integer.getInteger("converge.rate", 0);
    /**
     * -Dconverge.shared=true: every writer puts the same items, so writes overwrite each other's
     * entries and deltas build on other nodes' writes (contention); visibility is not sampled then,
     * since an item no longer tells which node wrote it.
     */
    private static final boolean SHARED = Boolean.getBoolean("converge.shared");
    /** Nodes of the throughput scenario (-Dconverge.nodes, default 3). */
    private static final int NODES = Integer.getInteger("converge.nodes", 3);
    /** How long nodes may take to see each other up (JGroups discovery, admission, TLS handshakes). */
    private static final long CONNECT_MILLIS = 30_000;

    private ClusterHarness() {
    }

    public static void main(String[] args) throws Exception {
        // The figures are the output: JGroups' and the engine's INFO lines (views, peers up and down)
        // would bury them. -Dorg.slf4j.simpleLogger.defaultLogLevel=info brings them back.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        String what = args.length > 0 ? args[0] : "throughput";
        ClusterNetwork.Kind kind;
        try {
            kind = ClusterNetwork.Kind.parse(System.getProperty("converge.transport", "memory"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        switch (what) {
            case "throughput" -> throughput(kind, args.length > 1 ? Integer.parseInt(args[1]) : 10);
            case "two-nodes" -> twoNodes(kind);
            case "join" -> join(kind, args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000);
            default -> {
                System.err.println("usage: [-Dconverge.transport=memory|jgroups-loopback|tcp-plain|tcp-tls] "
                        + "ClusterHarness throughput [seconds] | two-nodes | join [keys]");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static Replicator node(String name, ClusterNetwork net) {
        CodecRegistry registry = CodecRegistry.of(MAP_CODEC);
        return Replicator.start(ReplicatorConfig.builder(ReplicaId.of(name)).codecs(registry)
                .transport(net.transport())
                .sync(SyncConfig.builder().syncInterval(Duration.ofMillis(20))
                        .maxEntriesPerMessage(Integer.getInteger("converge.maxEntries", 500))
                        .maxUpdatesPerStep(Integer.getInteger("converge.maxUpdatesPerStep", 256)).build())
                .updateTimeout(Duration.ofMinutes(1)).build());
    }

    private static boolean await(long timeoutMillis, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    private static boolean converged(List<Replicator> nodes, Key<?> key) {
        long d = nodes.get(0).stats().storeDigest();
        for (Replicator r : nodes) {
            if (r.stats().storeDigest() != d || r.size() != nodes.get(0).size()) {
                return false;
            }
        }
        return nodes.get(0).get(key).isPresent();
    }

    /** Starts {@code names} in order, then waits until each holds every other up. */
    private static List<Replicator> nodes(ClusterNetwork net, String... names) throws InterruptedException {
        List<Replicator> nodes = new ArrayList<>();
        for (String name : names) {
            nodes.add(node(name, net));
        }
        long t0 = System.nanoTime();
        if (!ClusterNetwork.awaitPeersUp(nodes, CONNECT_MILLIS)) {
            nodes.forEach(Replicator::close);
            throw new IllegalStateException("the nodes did not see each other up within " + CONNECT_MILLIS + " ms over "
                    + net.kind().label);
        }
        System.out.printf("%s: %d nodes up in %d ms%n", net.kind().label, nodes.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return nodes;
    }

    /** Prints the wire counters (and JGroups' own), then closes the nodes. */
    private static void finish(ClusterNetwork net, List<Replicator> nodes) {
        System.out.printf("wire (%s): %,d frames, %,d bytes handed to the transports%n", net.kind().label, net.frames(),
                net.bytes());
        System.out.print(net.transportReport());
        nodes.forEach(Replicator::close);
    }

    /** {@link #NODES} nodes; a writer per node puts (key, write time) into one map as fast as it can. */
    static void throughput(ClusterNetwork.Kind kind, int seconds) throws Exception {
        ClusterNetwork net = new ClusterNetwork(kind, 1);
        String[] names = new String[NODES];
        for (int i = 0; i < NODES; i++) {
            names[i] = "n" + (i + 1);
        }
        List<Replicator> nodes = nodes(net, names);
        int keysPerNode = 1_000;
        List<Key<AWLWWMap<String, Long>>> keys = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            keys.add(Key.of("map" + i, AWLWWMap.<String, Long>empty(), MAP_CODEC));
        }
        long[] samples = new long[4_000_000];
        AtomicInteger sampleCount = new AtomicInteger();
        for (Replicator r : nodes) {
            for (Key<AWLWWMap<String, Long>> k : keys) {
                r.subscribe(k, e -> {
                    long now = System.nanoTime();
                    for (Change c : e.changes()) {
                        Object v = c instanceof Change.Added a ? a.value() : c instanceof Change.Updated u ? u.newValue() : null;
                        String item = c instanceof Change.Added a ? (String) a.item()
                                : c instanceof Change.Updated u ? (String) u.item() : "";
                        if (!SHARED && v instanceof Long written && !item.startsWith(r.self().name() + ":")) {
                            int i = sampleCount.getAndIncrement();
                            if (i < samples.length) {
                                samples[i] = now - written;
                            }
                        }
                    }
                });
            }
        }
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> writers = new ArrayList<>();
        for (Replicator r : nodes) {
            Thread t = new Thread(() -> {
                Semaphore inFlight = new Semaphore(WINDOW);
                long period = RATE > 0 ? TimeUnit.SECONDS.toNanos(nodes.size()) / RATE : 0;
                long next = System.nanoTime();
                int i = 0;
                while (System.nanoTime() < end) {
                    if (period > 0) {
                        next += period;
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                    }
                    inFlight.acquireUninterruptibly();
                    Key<AWLWWMap<String, Long>> k = keys.get(i % keys.size());
                    String item = (SHARED ? "shared" : r.self().name()) + ":" + (i % keysPerNode);
                    i++;
                    CompletableFuture<?> f = r.updateAsync(k, (m, ctx) -> m.put(ctx.self(), ctx.clock(), item, System.nanoTime()));
                    f.whenComplete((x, err) -> {
                        inFlight.release();
                        done.incrementAndGet();
                    });
                }
                inFlight.acquireUninterruptibly(WINDOW);
            }, "writer-" + r.self());
            writers.add(t);
            t.start();
        }
        for (Thread t : writers) {
            t.join();
        }
        long lastWrite = System.nanoTime();
        boolean ok = await(60_000, () -> nodes.stream().allMatch(r -> keys.stream().allMatch(k -> r.get(k).equals(nodes.get(0).get(k)))));
        long settle = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastWrite);
        int n = Math.min(sampleCount.get(), samples.length);
        long[] s = Arrays.copyOf(samples, n);
        Arrays.sort(s);
        System.out.printf("throughput: %s, %d nodes%s, window %d per writer, %s, %d s, %,d updates (%,.0f updates/s), converged %s %d ms after the last write%n",
                kind.label, nodes.size(), SHARED ? " writing shared items" : "", WINDOW, RATE > 0 ? String.format("offered %,d/s", RATE) : "saturation", seconds, done.get(),
                done.get() / (double) seconds, ok ? "" : "NOT", settle);
        if (n > 0) {
            System.out.printf("visibility on the other nodes (%,d samples, coalesced per key by the listener): p50 %.1f ms, "
                    + "p99 %.1f ms, max %.1f ms%n", n, s[n / 2] / 1e6, s[(int) (n * 0.99)] / 1e6, s[n - 1] / 1e6);
        }
        finish(net, nodes);
    }

    /** Two nodes, a 10,000-key map, five rounds of writes on both; time to converge after the last. */
    static void twoNodes(ClusterNetwork.Kind kind) throws Exception {
        ClusterNetwork net = new ClusterNetwork(kind, 2);
        List<Replicator> nodes = nodes(net, "a", "b");
        Replicator a = nodes.get(0);
        Replicator b = nodes.get(1);
        Key<AWLWWMap<String, Long>> map = Key.of("map", AWLWWMap.<String, Long>empty(), MAP_CODEC);
        for (int round = 0; round < 5; round++) {
            CompletableFuture<?> last = null;
            for (int i = 0; i < 10_000; i++) {
                String k = "k" + i;
                long v = round * 100_000L + i;
                a.updateAsync(map, (m, ctx) -> m.put(ctx.self(), ctx.clock(), k, v));
                last = b.updateAsync(map, (m, ctx) -> m.put(ctx.self(), ctx.clock(), k, -v));
            }
            last.join();
        }
        long lastWrite = System.nanoTime();
        boolean ok = await(60_000, () -> a.get(map).equals(b.get(map)));
        System.out.printf("two-nodes (%s): 10,000-key map, 5 rounds on both: converged %s %d ms after the last write%n",
                kind.label, ok ? "" : "NOT", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastWrite));
        finish(net, nodes);
    }

    /** A new node joins a node holding {@code keys} top-level keys; the time includes connecting. */
    static void join(ClusterNetwork.Kind kind, int keys) throws Exception {
        ClusterNetwork net = new ClusterNetwork(kind, 3);
        Replicator big = node("big", net);
        CompletableFuture<?> last = null;
        for (int i = 0; i < keys; i++) {
            Key<AWLWWMap<String, Long>> k = Key.of("key" + i, AWLWWMap.<String, Long>empty(), MAP_CODEC);
            long v = i;
            last = big.updateAsync(k, (m, ctx) -> m.put(ctx.self(), ctx.clock(), "v", v));
        }
        last.join();
        long sentBefore = net.frames();
        long bytesBefore = net.bytes();
        long t0 = System.nanoTime();
        Replicator fresh = node("fresh", net);
        boolean ok = await(120_000, () -> fresh.size() == keys && fresh.stats().storeDigest() == big.stats().storeDigest());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long messages = net.frames() - sentBefore;
        long bytes = net.bytes() - bytesBefore;
        System.out.printf("join (%s): a new node caught up with %,d keys %s in %,d ms: %,d messages, %,d bytes, "
                + "largest frame %,d bytes (at most %d entries each)%n", kind.label, keys, ok ? "" : "(NOT)", ms, messages, bytes,
                net.largestFrame(), SyncConfig.defaults().maxEntriesPerMessage());
        finish(net, List.of(big, fresh));
    }
}
