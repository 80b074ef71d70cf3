package io.converge.net.http;

import io.converge.crdt.CrdtTypeMismatchException;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.AcknowledgementTimeoutException;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Mutator;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.Subscription;
import io.converge.crdt.engine.SyncStats;
import io.converge.crdt.protocol.MachineStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NodeBackend} over one {@link Replicator}, until the cluster node (membership,
 * consistency levels, metrics) takes its place.
 *
 * <p>What it offers: writes at every level, where the members are this replica and the peers its
 * replicator knows ({@link SyncStats#peers()}, reachable or not), a majority counts this replica,
 * and "acknowledged" means a peer joined the write and made it durable
 * ({@link Replicator#awaitAcknowledged}); reads at {@code local} only ({@code majority} and
 * {@code all} reads fail with {@link ConsistencyUnavailableException}); members with status
 * {@code up} or {@code unreachable} and no address; a few replication figures as metrics.
 *
 * <p><b>Change stream:</b> a replicator offers change listeners per key, so this backend streams
 * the changes of the keys written on this node through it, or read through it while they held a
 * value, from that first use on (local and remote changes alike); a key only ever written on other
 * nodes is not streamed here until it is used here. The cluster node streams every key.
 *
 * <p>Thread-safe; never blocks. Does not own the replicator: {@link #close()} ends the key
 * subscriptions only.
 */
final class ReplicatorBackend implements NodeBackend, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatorBackend.class);

    private final Replicator replicator;
    private final Map<String, Subscription> watched = new ConcurrentHashMap<>();
    private final List<Consumer<BackendEvent>> listeners = new CopyOnWriteArrayList<>();

    ReplicatorBackend(Replicator replicator) {
        this.replicator = Objects.requireNonNull(replicator, "replicator");
    }

    @Override
    public String name() {
        return replicator.self().name();
    }

    @Override
    public <S extends ReplicatedData<S>> CompletableFuture<S> update(Key<S> key, Mutator<S> mutator,
            ConsistencyRequest consistency) {
        long deadline = System.nanoTime() + consistency.timeout().toNanos();
        // The members now: a write's level is counted against the membership it started in.
        Set<ReplicaId> peers = new TreeSet<>(replicator.stats().peers().keySet());
        int members = peers.size() + 1;
        int required = switch (consistency.level()) {
            case LOCAL -> 1;
            case MAJORITY -> members / 2 + 1;
            case ALL -> members;
        };
        CompletableFuture<Replicator.Written<S>> written;
        try {
            watch(key); // before the write, so its own change is streamed too
            written = replicator.updateTracked(key, mutator);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<S> applied = written
                .orTimeout(consistency.timeout().toNanos(), TimeUnit.NANOSECONDS)
                .handle((w, e) -> {
                    if (e == null) {
                        return w;
                    }
                    Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (c instanceof TimeoutException) {
                        throw new ConsistencyTimeoutException("the write was not applied on this node within "
                                + consistency.timeout().toMillis() + " ms", List.of(), required,
                                names(all(peers)));
                    }
                    throw c instanceof RuntimeException re ? re : new CompletionException(c);
                })
                .thenCompose(w -> {
                    if (required == 1) {
                        return CompletableFuture.completedFuture(w.state());
                    }
                    long left = Math.max(1, deadline - System.nanoTime());
                    return replicator.awaitAcknowledged(w.position(), required - 1, peers, Duration.ofNanos(left))
                            .handle((acked, e) -> {
                                if (e == null) {
                                    return w.state();
                                }
                                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                                if (c instanceof AcknowledgementTimeoutException a) {
                                    Set<ReplicaId> yes = new TreeSet<>(a.acknowledged());
                                    yes.add(replicator.self());
                                    Set<ReplicaId> no = all(peers);
                                    no.removeAll(yes);
                                    throw new ConsistencyTimeoutException("the write reached " + yes.size() + " of the "
                                            + required + " members " + consistency.level().wireName() + " needs within "
                                            + consistency.timeout().toMillis() + " ms; it stays applied and keeps spreading",
                                            names(yes), required, names(no));
                                }
                                throw c instanceof RuntimeException re ? re : new CompletionException(c);
                            });
                });
        return applied;
    }

    private Set<ReplicaId> all(Set<ReplicaId> peers) {
        Set<ReplicaId> s = new TreeSet<>(peers);
        s.add(replicator.self());
        return s;
    }

    private static List<String> names(Set<ReplicaId> ids) {
        List<String> out = new ArrayList<>();
        ids.forEach(id -> out.add(id.name()));
        return out;
    }

    @Override
    public <S extends ReplicatedData<S>> CompletableFuture<Optional<S>> read(Key<S> key, ConsistencyRequest consistency) {
        if (consistency.level() != ConsistencyRequest.Level.LOCAL) {
            return CompletableFuture.failedFuture(new ConsistencyUnavailableException(
                    "reads at " + consistency.level().wireName() + " need the cluster node; this node reads locally only"));
        }
        try {
            Optional<S> s = replicator.get(key);
            if (s.isPresent()) {
                watch(key);
            }
            return CompletableFuture.completedFuture(s);
        } catch (CrdtTypeMismatchException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Streams {@code key}'s changes from now on, once per key name. */
    private <S extends ReplicatedData<S>> void watch(Key<S> key) {
        if (watched.containsKey(key.name())) {
            return;
        }
        watched.computeIfAbsent(key.name(), n -> replicator.subscribe(key, e -> publish(new KeyChanged(n, e.after()))));
    }

    private void publish(BackendEvent event) {
        for (Consumer<BackendEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("an event listener threw; it keeps receiving events", e);
            }
        }
    }

    @Override
    public List<MemberInfo> members() {
        Map<String, MemberInfo> out = new TreeMap<>();
        out.put(name(), new MemberInfo(name(), name(), "", "up", true));
        for (Map.Entry<ReplicaId, MachineStats.PeerStats> e : replicator.stats().peers().entrySet()) {
            String n = e.getKey().name();
            boolean up = e.getValue().up();
            out.put(n, new MemberInfo(n, n, "", up ? "up" : "unreachable", up));
        }
        return List.copyOf(out.values());
    }

    @Override
    public Map<String, Long> lag() {
        Map<String, Long> out = new TreeMap<>();
        replicator.stats().peers().forEach((id, p) -> out.put(id.name(), p.lag()));
        return out;
    }

    @Override
    public int keyCount() {
        return replicator.size();
    }

    @Override
    public AutoCloseable subscribe(Consumer<BackendEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public String prometheusScrape() {
        SyncStats s = replicator.stats();
        StringBuilder b = new StringBuilder();
        gauge(b, "converge_keys", "Keys held by this node.", replicator.size());
        gauge(b, "converge_sequence", "This node's delta sequence.", s.sequence());
        gauge(b, "converge_peers", "Peers known, reachable or not.", s.peers().size());
        counter(b, "converge_frames_in_total", "Frames received.", s.framesIn());
        counter(b, "converge_frames_out_total", "Frames sent.", s.framesOut());
        counter(b, "converge_bytes_in_total", "Bytes received.", s.bytesIn());
        counter(b, "converge_bytes_out_total", "Bytes sent.", s.bytesOut());
        b.append("# HELP converge_peer_lag Deltas a peer has not acknowledged.\n# TYPE converge_peer_lag gauge\n");
        new TreeMap<>(s.peers()).forEach((id, p) -> b.append("converge_peer_lag{peer=\"").append(escape(id.name()))
                .append("\"} ").append(p.lag()).append('\n'));
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(v).append('\n');
    }

    private static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public void close() {
        listeners.clear();
        watched.values().forEach(Subscription::close);
        watched.clear();
    }
}
