package io.converge.net;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.store.LocalStore;
import io.converge.crdt.store.StoreConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A node with a data directory in a child JVM, for {@link CrashRestartTest}:
 * {@code DurableChildNode <cluster> <secret-base64> <seeds> <data-dir> write|rejoin}. The replica id
 * is the one the directory keeps ({@link LocalStore#replicaIdFor}); the transport is real TCP on a
 * free port of 127.0.0.1 with TLS (the default). Prints one line per fact, each ending in
 * {@code " ."} so that a line cut by a kill is never mistaken for a whole one:
 * <ul>
 *   <li>{@code rejoin} only, first: {@code RECOVERED <elements, comma-separated> .}: the set as the
 *       store alone recovered it, before any network is started;
 *   <li>{@code STARTED <replica> <incarnation> .} once joined;
 *   <li>{@code write}: {@code DONE w-<n> .} after the update adding {@code w-<n>} completed (with a
 *       store, once durable), for n = 0, 1, ... until killed, at most 16 updates in flight;
 *   <li>{@code rejoin}: {@code DONE after-restart .} likewise, then {@code STATE <store digest>
 *       <set size> .} whenever the replica's digest changes.
 * </ul>
 * Exits by itself after 60 s, so it can never outlive a broken test for long.
 */
public final class DurableChildNode {
    private DurableChildNode() {
    }

    public static void main(String[] args) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Path dir = Path.of(args[3]);
        boolean rejoin = args[4].equals("rejoin");
        ReplicaId id = LocalStore.replicaIdFor(dir);
        if (rejoin) {
            // Without a network first: what recovery alone gives back, nothing a peer resent.
            try (Replicator local = Replicator.start(ReplicatorConfig.builder(id).codecs(TestCluster.CODECS)
                    .store(StoreConfig.builder(dir).build()).build())) {
                Set<String> recovered = new TreeSet<>(local.get(TestCluster.SET).map(ORSet::value).orElse(Set.of()));
                say("RECOVERED " + String.join(",", recovered));
            }
        }
        JGroupsTransport t = JGroupsTransport.builder().clusterName(args[0])
                .secret(ClusterSecret.fromBase64(args[1])).bind(InetAddress.getLoopbackAddress(), 0).seeds(args[2])
                .failureDetectionTimeout(TestCluster.FD).mergeInterval(TestCluster.MERGE).build();
        Replicator r = Replicator.start(ReplicatorConfig.builder(id).transport(t).codecs(TestCluster.CODECS)
                .sync(CrashRestartTest.SYNC).store(StoreConfig.builder(dir).build()).build());
        say("STARTED " + id.name() + " " + t.incarnation());
        if (!rejoin) {
            Semaphore inFlight = new Semaphore(16);
            for (int i = 0; System.nanoTime() < end; i++) {
                if (!inFlight.tryAcquire(10, TimeUnit.SECONDS)) {
                    say("STUCK");
                    break;
                }
                String element = "w-" + i;
                r.updateAsync(TestCluster.SET, (s, ctx) -> s.add(ctx.self(), element)).whenComplete((v, e) -> {
                    inFlight.release();
                    say(e == null ? "DONE " + element : "FAILED " + element + " " + e);
                });
                Thread.sleep(1);
            }
        } else {
            r.update(TestCluster.SET, (s, ctx) -> s.add(ctx.self(), "after-restart"));
            say("DONE after-restart");
            long digest = 0;
            while (System.nanoTime() < end) {
                long now = r.stats().storeDigest();
                if (now != digest) {
                    digest = now;
                    say("STATE " + now + " " + r.get(TestCluster.SET).map(ORSet::size).orElse(0));
                }
                Thread.sleep(20);
            }
        }
        r.close();
    }

    private static void say(String line) {
        synchronized (System.out) {
            System.out.println(line + " .");
            System.out.flush();
        }
    }
}
