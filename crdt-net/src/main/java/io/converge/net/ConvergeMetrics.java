package io.converge.net;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.SyncStats;
import io.converge.crdt.protocol.Limit;
import io.converge.crdt.protocol.MachineStats;
import io.converge.crdt.protocol.TransferReason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micrometer meters for one node: its {@link Replicator}'s {@link SyncStats} and its
 * {@link JGroupsTransport}'s {@link TransportStats}, plus, when given, member counts by status and
 * consistency-level timeouts. Every meter is named under {@code converge.}; docs/metrics.md lists
 * them all with their tags.
 *
 * <pre>{@code
 * ConvergeMetrics metrics = ConvergeMetrics.builder(replicator, transport).build();
 * metrics.bindTo(registry);
 * ...
 * metrics.close();
 * }</pre>
 *
 * <p><b>Reading.</b> Nothing is copied ahead of time: each meter reads the latest stats snapshot when
 * the registry asks for its value (a scrape). Snapshots are published by the replicator's sync loop
 * and by the transport's counters, and reading them takes no lock the sync loop waits for, so a
 * scrape never slows replication. Counters are {@link FunctionCounter}s over the monotonic counts
 * (since the replicator or transport started); everything else is a {@link Gauge}.
 *
 * <p><b>Per-peer meters.</b> Peers come and go, so meters tagged {@code peer} are added and removed
 * by {@link #refresh()}: at {@link #bindTo}, then every {@link Builder#refreshInterval refresh
 * interval} on a daemon thread this binder owns, and whenever the caller calls it. At most
 * {@link Builder#maxPeers maxPeers} peers (the first in replica-id order) get their own meters, so
 * tags stay bounded; the aggregates ({@code converge.sync.peers}, {@code converge.sync.lag.max})
 * count every peer. Member statuses and timeout keys learned from the suppliers are bounded the same
 * way ({@value #MAX_KEYS} each) and are never removed: a status no longer reported reads 0. A
 * meter whose source throws (a failing supplier) reads NaN; the other meters and the scrape go on.
 *
 * <p>Thread-safe; {@link #refresh()} costs O(peers). The registries hold this binder strongly
 * (through its gauges) until {@link #close()}, which stops the refresh thread and removes every meter
 * it registered. It never closes the replicator or the transport. Several nodes in one registry
 * need {@link Builder#tags distinct tags}: Micrometer hands a second binder the first one's meter
 * of the same name and tags.
 */
public final class ConvergeMetrics implements MeterBinder, AutoCloseable {
    /** The prefix of every meter's name. */
    public static final String PREFIX = "converge.";
    /** How many member statuses, and how many timeout keys, get their own meters at most. */
    public static final int MAX_KEYS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(ConvergeMetrics.class);

    private final Replicator replicator;
    private final Supplier<TransportStats> transport;
    private final Optional<Supplier<Map<String, Integer>>> members;
    private final Optional<Supplier<Map<String, Long>>> timeouts;
    private final Tags tags;
    private final int maxPeers;
    private final Duration refreshInterval;

    // Guarded by this. Bound registries in binding order; for each, the meters not tied to a peer,
    // and the meters of each peer that has its own.
    private final Map<MeterRegistry, Bound> bound = new LinkedHashMap<>();
    private final Set<String> statuses = new TreeSet<>();
    private final Set<String> timeoutKeys = new TreeSet<>();
    private ScheduledExecutorService refresher;
    private boolean closed;

    private static final class Bound {
        final List<Meter> fixed = new ArrayList<>();
        final Map<ReplicaId, List<Meter>> perPeer = new LinkedHashMap<>();
        /**
         * The status and timeout keys whose meters exist: registering one again would make
         * Micrometer (1.13+) log a warning at every refresh's first repeat.
         */
        final java.util.Set<String> registeredKeys = new java.util.HashSet<>();
    }

    private ConvergeMetrics(Builder b) {
        this.replicator = b.replicator;
        this.transport = b.transport;
        this.members = Optional.ofNullable(b.members);
        this.timeouts = Optional.ofNullable(b.timeouts);
        this.tags = b.tags;
        this.maxPeers = b.maxPeers;
        this.refreshInterval = b.refreshInterval;
    }

    /**
     * A builder for the meters of {@code replicator} running over {@code transport}.
     *
     * @throws NullPointerException if either is null
     */
    public static Builder builder(Replicator replicator, JGroupsTransport transport) {
        Objects.requireNonNull(transport, "transport");
        return new Builder(replicator, transport::stats);
    }

    /** For tests in this package: a replicator over another transport, with made-up transport figures. */
    static Builder builder(Replicator replicator, Supplier<TransportStats> transportStats) {
        return new Builder(replicator, transportStats);
    }

    /**
     * Registers the meters in {@code registry} (again in each registry it is given; binding the
     * same registry twice does nothing) and starts the refresh thread on the first binding.
     *
     * @throws NullPointerException if {@code registry} is null
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (bound.containsKey(registry)) {
            return;
        }
        Bound b = new Bound();
        bound.put(registry, b);
        registerFixed(registry, b);
        refresh();
        if (refresher == null && !refreshInterval.isZero()) {
            refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "converge-metrics-" + replicator.self().name());
                t.setDaemon(true);
                return t;
            });
            long ms = refreshInterval.toMillis();
            refresher.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Brings the meters that depend on the peer set and the suppliers' keys up to date: adds the
     * meters of new peers (up to {@code maxPeers}), removes those of peers the replicator no longer
     * knows, and adds meters for statuses and timeout keys not seen before (up to
     * {@value #MAX_KEYS} each). O(peers); does nothing after {@link #close()} or before
     * {@link #bindTo}.
     */
    public synchronized void refresh() {
        if (closed || bound.isEmpty()) {
            return;
        }
        Set<ReplicaId> wanted = new TreeSet<>();
        for (ReplicaId p : replicator.stats().peers().keySet()) {
            if (wanted.size() == maxPeers) {
                break;
            }
            wanted.add(p);
        }
        members.ifPresent(s -> learn(keysOf(s, "members"), statuses, true));
        timeouts.ifPresent(s -> learn(keysOf(s, "timeouts"), timeoutKeys, false));
        for (Map.Entry<MeterRegistry, Bound> e : bound.entrySet()) {
            MeterRegistry registry = e.getKey();
            Bound b = e.getValue();
            for (var it = b.perPeer.entrySet().iterator(); it.hasNext();) {
                var peer = it.next();
                if (!wanted.contains(peer.getKey())) {
                    peer.getValue().forEach(registry::remove);
                    it.remove();
                }
            }
            for (ReplicaId p : wanted) {
                b.perPeer.computeIfAbsent(p, id -> registerPeer(registry, id));
            }
            for (String s : statuses) {
                if (!b.registeredKeys.add("members:" + s)) {
                    continue;
                }
                registerOnce(registry, b, Gauge.builder(PREFIX + "members", this, safe(m -> m.memberCount(s)))
                        .strongReference(true).tags(tags).tag("status", tagValue(s))
                        .description("Members of the cluster by status"));
            }
            for (String k : timeoutKeys) {
                if (!b.registeredKeys.add("timeouts:" + k)) {
                    continue;
                }
                int dot = k.indexOf('.');
                registerOnce(registry, b, FunctionCounter.builder(PREFIX + "consistency.timeouts", this,
                                safe(m -> m.timeoutCount(k))).tags(tags)
                        .tag("operation", tagValue(k.substring(0, dot))).tag("level", tagValue(k.substring(dot + 1)))
                        .description("Writes and reads that timed out at their consistency level"));
            }
        }
    }

    /**
     * Stops the refresh thread and removes every meter this binder registered. Idempotent; leaves
     * the replicator and the transport running.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (refresher != null) {
            refresher.shutdownNow();
        }
        for (Map.Entry<MeterRegistry, Bound> e : bound.entrySet()) {
            e.getValue().fixed.forEach(e.getKey()::remove);
            e.getValue().perPeer.values().forEach(ms -> ms.forEach(e.getKey()::remove));
        }
        bound.clear();
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // A supplier that throws must not end the periodic refresh.
            LOG.warn("refreshing the Converge meters failed", e);
        }
    }

    /** The supplier's keys; none if it throws or gives null, so the peers' meters still refresh. */
    private static Set<String> keysOf(Supplier<? extends Map<String, ?>> supplier, String what) {
        try {
            Map<String, ?> map = supplier.get();
            return map == null ? Set.of() : map.keySet();
        } catch (RuntimeException e) {
            LOG.warn("the {} supplier of the Converge meters failed", what, e);
            return Set.of();
        }
    }

    /**
     * {@code f}, reading NaN where it throws (a supplier failing, a transport closed under the
     * binder): some registries call counter functions without a guard, and one failing meter must
     * not fail a whole scrape.
     */
    private static ToDoubleFunction<ConvergeMetrics> safe(ToDoubleFunction<ConvergeMetrics> f) {
        return x -> {
            try {
                return f.applyAsDouble(x);
            } catch (RuntimeException e) {
                return Double.NaN;
            }
        };
    }

    private static void learn(Set<String> seen, Set<String> known, boolean anyKey) {
        for (String k : seen) {
            if (known.size() == MAX_KEYS) {
                return;
            }
            int dot = k.indexOf('.');
            if (anyKey || (dot > 0 && dot < k.length() - 1)) {
                known.add(k);
            }
        }
    }

    private static void registerOnce(MeterRegistry registry, Bound b, Gauge.Builder<?> builder) {
        Gauge g = builder.register(registry);
        if (!b.fixed.contains(g)) {
            b.fixed.add(g);
        }
    }

    private static void registerOnce(MeterRegistry registry, Bound b, FunctionCounter.Builder<?> builder) {
        FunctionCounter c = builder.register(registry);
        if (!b.fixed.contains(c)) {
            b.fixed.add(c);
        }
    }

    private void registerFixed(MeterRegistry r, Bound b) {
        List<Meter> m = b.fixed;
        // Members and peers.
        m.add(gauge(r, "transport.view.size", null, "Members in this node's JGroups view, itself included",
                x -> x.transportStats().viewSize()));
        m.add(gauge(r, "transport.peers.admitted", null, "Peers admitted by the cluster secret now",
                x -> x.transportStats().admittedPeers()));
        m.add(gaugeTagged(r, "sync.peers", null, "Peers the replicator knows, by reachability",
                "reachability", "reachable", x -> x.peerCount(true)));
        m.add(gaugeTagged(r, "sync.peers", null, "Peers the replicator knows, by reachability",
                "reachability", "unreachable", x -> x.peerCount(false)));
        m.add(gauge(r, "sync.lag.max", null,
                "The largest lag of any peer whose position is known (0 without such a peer)", ConvergeMetrics::maxLag));
        // Buffers and state.
        m.add(gauge(r, "sync.sequence", null, "The next position of this replica's delta buffer",
                x -> x.stats().sequence()));
        m.add(gauge(r, "sync.buffer.deltas", null, "Deltas buffered for peers",
                x -> x.stats().protocol().bufferedDeltas()));
        m.add(gauge(r, "sync.buffer.bytes", "bytes", "Estimated bytes of the buffered deltas",
                x -> x.stats().protocol().bufferedBytes()));
        m.add(gauge(r, "sync.assembly.bytes", "bytes", "Bytes of large keys' parts held for incoming transfers",
                x -> x.stats().protocol().assemblyBytes()));
        m.add(gauge(r, "sync.inbound.queued.bytes", "bytes", "Estimated heap of frames waiting for the sync loop",
                x -> x.stats().inboundQueuedBytes()));
        m.add(gauge(r, "sync.keys", null, "Keys held", x -> x.stats().protocol().keys()));
        m.add(gauge(r, "sync.transfers.active", null,
                "Full-state transfers under way, to or from a peer", ConvergeMetrics::activeTransfers));
        m.add(gauge(r, "replica.id.reused", null,
                "1 once a peer proved this replica id was used before (local updates are refused), else 0",
                x -> x.stats().protocol().replicaIdReused() ? 1 : 0));
        // Traffic.
        for (String dir : List.of("in", "out")) {
            boolean in = dir.equals("in");
            m.add(counter(r, "sync.frames", null, "Sync frames received from admitted peers or handed to the transport",
                    Tags.of("direction", dir), x -> in ? x.stats().framesIn() : x.stats().framesOut()));
            m.add(counter(r, "sync.bytes", "bytes", "Bytes of those sync frames",
                    Tags.of("direction", dir), x -> in ? x.stats().bytesIn() : x.stats().bytesOut()));
        }
        // Drops.
        String dropped = "Frames or messages dropped, by the layer that dropped them and why";
        Map<String, ToDoubleFunction<ConvergeMetrics>> transportDrops = new LinkedHashMap<>();
        transportDrops.put("unadmitted", x -> x.transportStats().droppedUnadmitted());
        transportDrops.put("stale", x -> x.transportStats().droppedStale());
        transportDrops.put("oversize", x -> x.transportStats().droppedOversize());
        transportDrops.put("rate-limited", x -> x.transportStats().droppedRateLimited());
        transportDrops.put("malformed", x -> x.transportStats().malformed());
        transportDrops.put("outbound", x -> x.transportStats().droppedOutbound());
        transportDrops.forEach((reason, f) -> m.add(counter(r, "frames.dropped", null, dropped,
                Tags.of("layer", "transport", "reason", reason), f)));
        Map<String, ToDoubleFunction<ConvergeMetrics>> engineDrops = new LinkedHashMap<>();
        engineDrops.put("undecodable", x -> x.stats().framesRejected());
        engineDrops.put("unknown-peer", x -> x.stats().framesFromUnknownPeers());
        engineDrops.put("inbound-full", x -> x.stats().inboundDropped());
        engineDrops.put("unencodable", x -> x.stats().messagesUnencodable());
        engineDrops.put("unknown-peer-message", x -> x.stats().protocol().droppedFromUnknownPeers());
        engineDrops.forEach((reason, f) -> m.add(counter(r, "frames.dropped", null, dropped,
                Tags.of("layer", "engine", "reason", reason), f)));
        // Transfers, refusals, admissions, failures.
        for (TransferReason reason : TransferReason.values()) {
            m.add(counter(r, "sync.transfers", null, "Full-state transfers started, by reason",
                    Tags.of("reason", tagValue(reason.name())),
                    x -> x.stats().transfers().getOrDefault(reason, 0L)));
        }
        for (Limit limit : Limit.values()) {
            m.add(counter(r, "sync.refused", null, "What each bound on a peer refused, by bound",
                    Tags.of("limit", tagValue(limit.name())), x -> x.stats().protocol().refused(limit)));
        }
        m.add(counter(r, "sync.conflicts.refused", null,
                "Deltas or states refused because they reuse a dot or stamp with another payload",
                Tags.empty(), x -> x.stats().protocol().conflictsRefused()));
        m.add(counter(r, "sync.steps.failed", null, "Steps of the sync loop that threw", Tags.empty(),
                x -> x.stats().stepsFailed()));
        m.add(counter(r, "admissions", null, "Admissions completed (a peer back after a partition counts again)",
                Tags.empty(), x -> x.transportStats().admissions()));
        m.add(counter(r, "admissions.refused", null, "Admission handshakes refused, by the side that refused",
                Tags.of("by", "self"), x -> x.transportStats().refusals()));
        m.add(counter(r, "admissions.refused", null, "Admission handshakes refused, by the side that refused",
                Tags.of("by", "peer"), x -> x.transportStats().refusedByPeers()));
        m.add(counter(r, "tls.certificates.rejected", null,
                "Peer certificates this node's TLS rejected (not from a trusted CA, expired)",
                Tags.empty(), x -> x.transportStats().tlsRejectedCertificates()));
    }

    private List<Meter> registerPeer(MeterRegistry r, ReplicaId peer) {
        String name = peer.name();
        List<Meter> out = new ArrayList<>(2);
        out.add(Gauge.builder(PREFIX + "sync.lag", this, safe(x -> x.lagOf(peer))).strongReference(true).tags(tags)
                .tag("peer", name)
                .description("Positions this peer has yet to acknowledge (NaN while its position is unknown)")
                .register(r));
        out.add(Gauge.builder(PREFIX + "sync.peer.up", this, safe(x -> x.upOf(peer))).strongReference(true).tags(tags)
                .tag("peer", name).description("1 while this peer is reachable, else 0").register(r));
        return out;
    }

    private Gauge gauge(MeterRegistry r, String name, String unit, String description,
            ToDoubleFunction<ConvergeMetrics> f) {
        return gaugeTagged(r, name, unit, description, null, null, f);
    }

    private Gauge gaugeTagged(MeterRegistry r, String name, String unit, String description, String tagKey,
            String tagValue, ToDoubleFunction<ConvergeMetrics> f) {
        // Strong: the registry keeps this binder alive, and with it the function counters' weak target.
        Gauge.Builder<ConvergeMetrics> b = Gauge.builder(PREFIX + name, this, safe(f)).strongReference(true).tags(tags)
                .description(description);
        if (unit != null) {
            b.baseUnit(unit);
        }
        if (tagKey != null) {
            b.tag(tagKey, tagValue);
        }
        return b.register(r);
    }

    private FunctionCounter counter(MeterRegistry r, String name, String unit, String description, Tags extra,
            ToDoubleFunction<ConvergeMetrics> f) {
        FunctionCounter.Builder<ConvergeMetrics> b = FunctionCounter.builder(PREFIX + name, this, safe(f)).tags(tags)
                .tags(extra).description(description);
        if (unit != null) {
            b.baseUnit(unit);
        }
        return b.register(r);
    }

    private SyncStats stats() {
        return replicator.stats();
    }

    private TransportStats transportStats() {
        return transport.get();
    }

    private double peerCount(boolean up) {
        int n = 0;
        for (MachineStats.PeerStats p : stats().peers().values()) {
            if (p.up() == up) {
                n++;
            }
        }
        return n;
    }

    private double maxLag() {
        long max = 0;
        for (MachineStats.PeerStats p : stats().peers().values()) {
            max = Math.max(max, p.lag());
        }
        return max;
    }

    private double activeTransfers() {
        int n = 0;
        for (MachineStats.PeerStats p : stats().peers().values()) {
            n += (p.sendingTransfer() ? 1 : 0) + (p.receivingTransfer() ? 1 : 0);
        }
        return n;
    }

    private double lagOf(ReplicaId peer) {
        MachineStats.PeerStats p = stats().peers().get(peer);
        return p == null || p.lag() < 0 ? Double.NaN : p.lag();
    }

    private double upOf(ReplicaId peer) {
        MachineStats.PeerStats p = stats().peers().get(peer);
        return p != null && p.up() ? 1 : 0;
    }

    private double memberCount(String status) {
        Integer n = members.map(Supplier::get).map(m -> m.get(status)).orElse(null);
        return n == null ? 0 : n;
    }

    private double timeoutCount(String key) {
        Long n = timeouts.map(Supplier::get).map(m -> m.get(key)).orElse(null);
        return n == null ? 0 : n;
    }

    /** {@code NEW_PEER} → {@code new-peer}: enum names as tag values, lower case with hyphens. */
    static String tagValue(String s) {
        return s.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Configures a {@link ConvergeMetrics}. Not thread-safe; each setting may be given once.
     * Defaults: no member or timeout meters, no extra tags, 64 peers with meters of their own, a
     * refresh every 10 seconds.
     */
    public static final class Builder {
        private final Replicator replicator;
        private final Supplier<TransportStats> transport;
        private Supplier<Map<String, Integer>> members;
        private Supplier<Map<String, Long>> timeouts;
        private Tags tags = Tags.empty();
        private boolean tagsSet;
        private int maxPeers = 64;
        private boolean maxPeersSet;
        private Duration refreshInterval = Duration.ofSeconds(10);
        private boolean refreshSet;

        private Builder(Replicator replicator, Supplier<TransportStats> transport) {
            this.replicator = Objects.requireNonNull(replicator, "replicator");
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /**
         * Member counts by status (e.g. {@code "up" → 3}), read at each scrape as
         * {@code converge.members{status}}. Called from the scraping thread and the refresh thread:
         * it must be thread-safe, cheap and must not block.
         *
         * @throws NullPointerException if {@code counts} is null
         * @throws IllegalStateException if given twice
         */
        public Builder members(Supplier<Map<String, Integer>> counts) {
            once(members != null, "members");
            members = Objects.requireNonNull(counts, "counts");
            return this;
        }

        /**
         * Timeouts since start by {@code "operation.level"} (e.g. {@code "write.majority"}), each
         * never decreasing, read at each scrape as {@code converge.consistency.timeouts{operation,level}};
         * keys without a dot between two names are ignored. Same threading rules as {@link #members}.
         *
         * @throws NullPointerException if {@code counts} is null
         * @throws IllegalStateException if given twice
         */
        public Builder timeouts(Supplier<Map<String, Long>> counts) {
            once(timeouts != null, "timeouts");
            timeouts = Objects.requireNonNull(counts, "counts");
            return this;
        }

        /**
         * Tags added to every meter, e.g. the node's name when one registry holds several nodes.
         *
         * @throws NullPointerException if {@code common} is null
         * @throws IllegalStateException if given twice
         */
        public Builder tags(Iterable<Tag> common) {
            once(tagsSet, "tags");
            tags = Tags.of(Objects.requireNonNull(common, "common"));
            tagsSet = true;
            return this;
        }

        /**
         * How many peers get meters of their own (the first in replica-id order); default 64.
         *
         * @throws IllegalArgumentException if negative
         * @throws IllegalStateException if given twice
         */
        public Builder maxPeers(int max) {
            once(maxPeersSet, "maxPeers");
            if (max < 0) {
                throw new IllegalArgumentException("maxPeers < 0: " + max);
            }
            maxPeers = max;
            maxPeersSet = true;
            return this;
        }

        /**
         * How often the binder's own thread calls {@link ConvergeMetrics#refresh()}; default 10 s.
         * {@link Duration#ZERO} starts no thread: the caller refreshes.
         *
         * @throws IllegalArgumentException if negative or not a whole number of milliseconds above 0
         * @throws IllegalStateException if given twice
         */
        public Builder refreshInterval(Duration interval) {
            once(refreshSet, "refreshInterval");
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative() || (!interval.isZero() && interval.toMillis() == 0)) {
                throw new IllegalArgumentException("refreshInterval must be 0 or at least 1 ms: " + interval);
            }
            refreshInterval = interval;
            refreshSet = true;
            return this;
        }

        /** The binder; it registers nothing and starts nothing until {@link ConvergeMetrics#bindTo}. */
        public ConvergeMetrics build() {
            return new ConvergeMetrics(this);
        }

        private static void once(boolean set, String what) {
            if (set) {
                throw new IllegalStateException(what + " already set");
            }
        }
    }
}
