package io.converge.net.http;

import io.converge.crdt.CrdtTypeMismatchException;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Mutator;
import io.converge.crdt.engine.Subscription;
import io.converge.net.ClusterNode;
import io.converge.net.Member;
import io.converge.net.MemberEvent;
import io.converge.net.ReadConsistency;
import io.converge.net.ReadTimeoutException;
import io.converge.net.WriteConsistency;
import io.converge.net.WriteTimeoutException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NodeBackend} over a {@link ClusterNode}: reads and writes at every level through the
 * node's consistency levels ({@code N} from its member record, docs/consistency.md), its members
 * with their record status and reachability, its meters from a Prometheus registry bound to it,
 * and a change stream of <em>every</em> key ({@code Replicator#subscribeAll}; the reserved
 * {@code $} keys excepted) and of member events.
 *
 * <p>Timeouts: a {@code majority} or {@code all} call that misses its level becomes a
 * {@link ConsistencyTimeoutException} naming the members: {@code pending} as the node reports
 * them, {@code acknowledged} the other counted members (so both lists are by name, as the member
 * record names them). A {@code local} write bounded by the request's timeout too (it waits for the
 * local disk at most that long).
 *
 * <p>Thread-safe; never blocks. Does not own the node: {@link #close()} ends its subscriptions.
 */
final class ClusterNodeBackend implements NodeBackend, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNodeBackend.class);
    /** Member records and the cluster's own keys: never streamed, never served. */
    static final String RESERVED_PREFIX = "$";

    private final ClusterNode node;
    private final String name;
    private final PrometheusMeterRegistry registry;
    private final List<Consumer<BackendEvent>> keyListeners = new CopyOnWriteArrayList<>();
    private final Subscription keys;
    private final Optional<FaultInjection> faults;

    /**
     * @param node the node served
     * @param name its name (the one it announced in the member record)
     * @param registry the registry given to the node's builder ({@code meterRegistry})
     * @param faults the partition switch, if the node runs with fault injection
     */
    ClusterNodeBackend(ClusterNode node, String name, PrometheusMeterRegistry registry, Optional<FaultInjection> faults) {
        this.node = Objects.requireNonNull(node, "node");
        this.name = Objects.requireNonNull(name, "name");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.faults = Objects.requireNonNull(faults, "faults");
        this.keys = node.replicator().subscribeAll(e -> {
            if (e.key().startsWith(RESERVED_PREFIX) || e.state().isEmpty()) {
                return; // an expiry: the API's keys have no time to live
            }
            KeyChanged k = new KeyChanged(e.key(), e.state().get());
            for (Consumer<BackendEvent> l : keyListeners) {
                deliver(l, k);
            }
        });
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public <S extends ReplicatedData<S>> CompletableFuture<S> update(Key<S> key, Mutator<S> mutator,
            ConsistencyRequest consistency) {
        WriteConsistency level = switch (consistency.level()) {
            case LOCAL -> WriteConsistency.local();
            case MAJORITY -> WriteConsistency.majority(consistency.timeout());
            case ALL -> WriteConsistency.all(consistency.timeout());
        };
        CompletableFuture<S> f;
        try {
            f = node.update(key, mutator, level);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (consistency.level() == ConsistencyRequest.Level.LOCAL) {
            f = f.orTimeout(consistency.timeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        return f.handle((s, e) -> {
            if (e == null) {
                return s;
            }
            Throwable c = unwrap(e);
            if (c instanceof WriteTimeoutException w) {
                throw timeout("the write reached " + w.acknowledged() + " of the " + w.required() + " members "
                        + consistency.level().wireName() + " needs within " + consistency.timeout().toMillis()
                        + " ms; it stays applied and keeps spreading", w.required(), w.pendingPeers());
            }
            if (c instanceof TimeoutException) {
                throw new ConsistencyTimeoutException("the write was not applied on this node within "
                        + consistency.timeout().toMillis() + " ms", List.of(), 1, List.of(name));
            }
            throw c instanceof RuntimeException re ? re : new CompletionException(c);
        });
    }

    @Override
    public <S extends ReplicatedData<S>> CompletableFuture<Optional<S>> read(Key<S> key, ConsistencyRequest consistency) {
        if (consistency.level() == ConsistencyRequest.Level.LOCAL) {
            try {
                return CompletableFuture.completedFuture(node.get(key));
            } catch (CrdtTypeMismatchException | IllegalStateException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        ReadConsistency level = consistency.level() == ConsistencyRequest.Level.MAJORITY
                ? ReadConsistency.majority(consistency.timeout()) : ReadConsistency.all(consistency.timeout());
        CompletableFuture<Optional<S>> f;
        try {
            f = node.get(key, level);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return f.handle((s, e) -> {
            if (e == null) {
                return s;
            }
            Throwable c = unwrap(e);
            if (c instanceof ReadTimeoutException r) {
                throw timeout("the read was answered by " + r.answered() + " of the " + r.required() + " members "
                        + consistency.level().wireName() + " needs within " + consistency.timeout().toMillis() + " ms",
                        r.required(), r.pendingPeers());
            }
            throw c instanceof RuntimeException re ? re : new CompletionException(c);
        });
    }

    /** A 504's exception: {@code pending} by name, the other counted members acknowledged. */
    private ConsistencyTimeoutException timeout(String message, int required, Set<ReplicaId> pending) {
        Map<ReplicaId, String> names = new HashMap<>();
        List<String> acknowledged = new ArrayList<>();
        for (Member m : node.members()) {
            names.put(m.id(), m.name());
            if (m.counted() && !pending.contains(m.id())) {
                acknowledged.add(m.name());
            }
        }
        List<String> waiting = new ArrayList<>();
        for (ReplicaId id : pending) {
            waiting.add(names.getOrDefault(id, id.name()));
        }
        return new ConsistencyTimeoutException(message, acknowledged, required, waiting);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable c = e;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    @Override
    public List<MemberInfo> members() {
        List<MemberInfo> out = new ArrayList<>();
        for (Member m : node.members()) {
            out.add(info(m));
        }
        return List.copyOf(out);
    }

    static MemberInfo info(Member m) {
        return new MemberInfo(m.id().name(), m.name(), m.address(), m.status().name().toLowerCase(Locale.ROOT),
                m.reachable());
    }

    /**
     * Member events go to {@code listener} through a subscription of its own, which starts with
     * one {@code CurrentMembers} event per member; key changes through the shared one, from right
     * after that snapshot (so the snapshot always comes first).
     */
    @Override
    public AutoCloseable subscribe(Consumer<BackendEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        Object lock = new Object();
        boolean[] closed = {false};
        Subscription members = node.subscribe(e -> {
            memberEvents(e).forEach(m -> deliver(listener, m));
            if (e instanceof MemberEvent.CurrentMembers) {
                synchronized (lock) {
                    if (!closed[0]) {
                        keyListeners.add(listener);
                    }
                }
            }
        });
        return () -> {
            synchronized (lock) {
                closed[0] = true;
                keyListeners.remove(listener);
            }
            members.close();
        };
    }

    /**
     * The member events {@code e} stands for: one per member for a snapshot, one per returned
     * member (as it is now) for a healed partition, none for events about no member (refused
     * admission, clock skew, a reused id: the node logs those).
     */
    private List<MemberChanged> memberEvents(MemberEvent e) {
        String kind = e.getClass().getSimpleName();
        if (e instanceof MemberEvent.CurrentMembers c) {
            return c.members().stream().map(m -> new MemberChanged(kind, info(m))).toList();
        }
        if (e instanceof MemberEvent.PartitionHealed h) {
            return node.members().stream().filter(m -> h.returned().contains(m.id()))
                    .map(m -> new MemberChanged(kind, info(m))).toList();
        }
        Member m = e instanceof MemberEvent.MemberJoined j ? j.member()
                : e instanceof MemberEvent.MemberUp u ? u.member()
                : e instanceof MemberEvent.MemberLeaving l ? l.member()
                : e instanceof MemberEvent.MemberLeft l ? l.member()
                : e instanceof MemberEvent.MemberDown d ? d.member()
                : e instanceof MemberEvent.MemberUnreachable u ? u.member()
                : e instanceof MemberEvent.MemberReachable r ? r.member()
                : null; // AdmissionRefused, ClockSkewDetected, ReplicaIdReused: about no member
        return m == null ? List.of() : List.of(new MemberChanged(kind, info(m)));
    }

    private static void deliver(Consumer<BackendEvent> l, BackendEvent event) {
        try {
            l.accept(event);
        } catch (RuntimeException x) {
            LOG.warn("an event listener threw; it keeps receiving events", x);
        }
    }

    @Override
    public String prometheusScrape() {
        return registry.scrape();
    }

    @Override
    public Map<String, Long> lag() {
        Map<String, Long> out = new java.util.TreeMap<>();
        node.replicator().stats().peers().forEach((id, p) -> out.put(id.name(), p.lag()));
        return out;
    }

    /** The replicator's keys but the member record, the one reserved key a cluster node holds. */
    @Override
    public int keyCount() {
        return Math.max(0, node.replicator().size() - 1);
    }

    @Override
    public Optional<FaultInjection> faultInjection() {
        return faults;
    }

    @Override
    public void close() {
        keyListeners.clear();
        keys.close();
    }
}
