package io.converge.net;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.engine.ChangeListener;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Mutator;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.engine.ReservedKeys;
import io.converge.crdt.engine.Subscription;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.store.LocalStore;
import io.converge.crdt.store.StoreConfig;
import io.converge.net.consistency.MemberView;
import io.converge.net.consistency.Quorums;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One member of a Converge cluster: a {@link Replicator} and the {@link JGroupsTransport} it runs
 * over, built together from one {@link Builder} (so the codecs the replicator uses are the ones
 * on the wire), plus the cluster's member record (sync.md §2).
 *
 * <pre>{@code
 * try (ClusterNode node = ClusterNode.builder()
 *         .name("cart-1").roles(Set.of("web"))
 *         .dataDirectory(Path.of("/var/lib/carts"))
 *         .keys(CART)
 *         .transport(JGroupsTransport.builder().clusterName("carts")
 *                 .secret(ClusterSecret.fromEnv("CONVERGE_SECRET")).seeds("10.0.0.5:7800,10.0.0.6:7800"))
 *         .start()) {
 *     node.update(CART, (cart, ctx) -> cart.add(ctx.self(), "milk"));
 * }
 * }</pre>
 *
 * <h2>Membership</h2>
 * Each node writes its own entry in the member record, a CRDT under the reserved key
 * {@code $converge.members} replicated like any other key: {@code JOINING} at start, {@code UP}
 * once a peer acknowledged that (at once when alone in the view, after 3 s at the latest),
 * {@code LEAVING} then {@code LEFT} on
 * {@link #close()}. {@link #down} (or {@code autoDownAfter}) writes {@code DOWN} for another
 * member. {@code N}, the members counted by consistency levels, are those {@code UP} or
 * {@code LEAVING}, reachable or not: a minority side of a partition still counts the members it
 * cannot reach. Reachability is a local flag ({@link Member#reachable()}), from the transport.
 *
 * <h2>Guarantees</h2>
 * Local reads and writes never wait on other nodes. Keys whose names start with {@code $} are
 * the cluster's own: updates of them, here or through {@link #replicator()}, fail with
 * {@link io.converge.crdt.engine.ReservedKeyException} and change nothing. Member events reach
 * {@link #subscribe(MemberListener) listeners} on a thread of their own, never on JGroups' or the
 * sync thread.
 *
 * <p>Thread-safe. Owns threads (the replicator's, the transport's, two for membership, all
 * daemon); {@link #close()} is idempotent and bounded by about twice the shutdown timeout.
 */
public final class ClusterNode implements AutoCloseable {
    private final Replicator replicator;
    private final JGroupsTransport transport;
    private final Membership membership;
    private final Duration shutdownTimeout;
    private final Quorums quorums = Quorums.create();
    private final ConvergeMetrics metrics;
    private boolean closed;

    private ClusterNode(Replicator replicator, JGroupsTransport transport, Membership membership,
            Duration shutdownTimeout, String name, MeterRegistry registry) {
        this.replicator = replicator;
        this.transport = transport;
        this.membership = membership;
        this.shutdownTimeout = shutdownTimeout;
        if (registry == null) {
            this.metrics = null;
        } else {
            this.metrics = ConvergeMetrics.builder(replicator, transport).members(this::memberCounts)
                    .timeouts(this::timeoutCounts).tags(Tags.of("node", name)).build();
            metrics.bindTo(registry);
        }
    }

    /** A builder with the defaults documented on its setters. */
    public static Builder builder() {
        return new Builder();
    }

    /** This node's replica id. */
    public ReplicaId self() {
        return replicator.self();
    }

    /** This start's incarnation of the replica; a restart is a new, larger one. */
    public long incarnation() {
        return transport.incarnation();
    }

    /**
     * Applies {@code mutator}'s delta to {@code key} locally (anti-entropy spreads it) and returns
     * the new state; see {@link Replicator#update}.
     *
     * @throws io.converge.crdt.engine.ReservedKeyException if the key's name starts with {@code $}
     */
    public <S extends ReplicatedData<S>> S update(Key<S> key, Mutator<S> mutator) {
        return replicator.update(key, mutator);
    }

    /**
     * Applies {@code mutator} to {@code key} here, then waits, without blocking, until
     * {@code consistency} is met (sync.md §4, docs/consistency.md). The write is applied locally
     * first and stays applied whatever happens next: a timeout is a typed result, not a rollback.
     * Completes with the key's state right after this write; exceptionally with
     * {@link WriteTimeoutException} at the deadline, {@link NotEnoughReachableMembersException} at
     * once under fail-fast (nothing applied), the mutator's exception or
     * {@link io.converge.crdt.CrdtTypeMismatchException} (nothing applied). {@code N} counts the
     * members {@code UP} or {@code LEAVING}, reachable or not, this node included.
     *
     * @throws io.converge.crdt.engine.ReservedKeyException if the key's name starts with {@code $}
     */
    public <S extends ReplicatedData<S>> CompletableFuture<S> update(Key<S> key, Mutator<S> mutator,
            WriteConsistency consistency) {
        return quorums.write(replicator, key, mutator, consistency, membership);
    }

    /**
     * Reads {@code key} at {@code consistency}: joins what the required peers hold into this
     * replica (read repair) and completes with the joined state, empty if no one holds the key;
     * exceptionally with {@link ReadTimeoutException} (carrying the local value) at the deadline,
     * or {@link NotEnoughReachableMembersException} under fail-fast. {@link ReadConsistency#local()}
     * completes at once.
     */
    public <S extends ReplicatedData<S>> CompletableFuture<Optional<S>> get(Key<S> key, ReadConsistency consistency) {
        return quorums.read(replicator, key, consistency, membership);
    }

    /** Counters of consistency-level calls since start: started, timed out, refused, by level. */
    public QuorumStats consistencyStats() {
        return quorums.stats();
    }

    /** The current local state of {@code key}, empty if nothing was written to it yet. Lock-free. */
    public <S extends ReplicatedData<S>> Optional<S> get(Key<S> key) {
        return replicator.get(key);
    }

    /** Calls {@code listener} after every change of {@code key}, local or remote; see {@link Replicator#subscribe}. */
    public <S extends ReplicatedData<S>> Subscription subscribe(Key<S> key, ChangeListener<S> listener) {
        return replicator.subscribe(key, listener);
    }

    /**
     * The replicator, for everything else it offers (asynchronous updates, reads from a peer,
     * acknowledgements, stats). Its update methods refuse the reserved namespace too. Do not close
     * it: close this node, which leaves gracefully first.
     */
    public Replicator replicator() {
        return replicator;
    }

    /** The transport: its local address (a seed for others) and counters. */
    public JGroupsTransport transport() {
        return transport;
    }

    /**
     * The members the record names, this node included, with whether each is reachable now.
     * An immutable snapshot, ordered by replica id; left and downed members stay listed.
     */
    public List<Member> members() {
        return membership.members();
    }

    /**
     * Tells {@code listener} a {@link MemberEvent.CurrentMembers} snapshot now, then every member
     * event, in order, on the member-listener thread (see {@link MemberListener}).
     *
     * @throws IllegalStateException if the node is closed
     */
    public Subscription subscribe(MemberListener listener) {
        return membership.subscribe(listener);
    }

    /**
     * Marks {@code member} down for its current incarnation, as an operator who knows it is gone
     * for good: it leaves {@code N} on every node the record reaches, and peers release what they
     * kept for it. A later restart of it (a new incarnation) joins again. Returns once the mark
     * is applied locally; anti-entropy spreads it.
     *
     * @return false if it had already left or been downed (nothing changes)
     * @throws IllegalArgumentException if the record does not know {@code member}, or it is this node
     * @throws IllegalStateException if the mark could not be applied within the shutdown timeout
     *     (the node is closing)
     */
    public boolean down(ReplicaId member) {
        return membership.down(member, shutdownTimeout);
    }

    private Map<String, Integer> memberCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (MemberStatus s : MemberStatus.values()) {
            counts.put(s.name().toLowerCase(java.util.Locale.ROOT), 0);
        }
        for (Member m : membership.members()) {
            counts.merge(m.status().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
        }
        return counts;
    }

    private Map<String, Long> timeoutCounts() {
        QuorumStats q = quorums.stats();
        Map<String, Long> out = new TreeMap<>();
        q.writeTimeouts().forEach((level, n) -> out.put("write." + level, n));
        q.readTimeouts().forEach((level, n) -> out.put("read." + level, n));
        return out;
    }

    /** For consistency levels: who counts in {@code N}, and who is reachable. */
    MemberView memberView() {
        return membership;
    }

    /**
     * Leaves gracefully: marks this node {@code LEAVING}, waits for the reachable peers to
     * acknowledge, marks it {@code LEFT}, waits again (each wait at most a quarter of the
     * shutdown timeout), then closes the replicator, which flushes, says goodbye and releases the
     * transport and the store. Peers see the member left, not unreachable, and stop counting it.
     * Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            membership.leave(shutdownTimeout.dividedBy(4));
        } finally {
            try {
                if (metrics != null) {
                    metrics.close();
                }
                quorums.close();
                replicator.close();
            } finally {
                transport.close();
                membership.close(shutdownTimeout);
            }
        }
    }

    @Override
    public String toString() {
        return "ClusterNode[" + self() + "@" + incarnation() + "]";
    }

    /**
     * Builds and starts a {@link ClusterNode}; each setter validates its argument (a later call
     * replaces an earlier one, except {@link #keys}, which adds). Not thread-safe.
     */
    public static final class Builder {
        private ReplicaId replicaId;
        private String name;
        private Set<String> roles = Set.of();
        private Path dataDirectory;
        private CodecRegistry codecs;
        private final Set<Key<?>> keys = new LinkedHashSet<>();
        private JGroupsTransport.Builder transport;
        private SyncConfig sync = SyncConfig.defaults();
        private Duration autoDownAfter = Duration.ZERO;
        private Duration maxClockOffset = Duration.ofMillis(500);
        private Duration shutdownTimeout = Duration.ofSeconds(5);
        private MeterRegistry meterRegistry;

        private Builder() {
        }

        /**
         * Publishes the node's meters (docs/metrics.md) to {@code registry}, tagged
         * {@code node=<name>} so several nodes can share one registry; they are removed when the
         * node closes. Default: no meters.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * The replica id. Default: with a {@link #dataDirectory}, the id kept there (created on
         * its first use, so it survives restarts); without one, a fresh random id per start.
         */
        public Builder replicaId(ReplicaId id) {
            this.replicaId = Objects.requireNonNull(id, "id");
            return this;
        }

        /** A name for people (logs, events); default the replica id. At most 256 characters. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank() || name.length() > MemberRecord.MAX_TEXT) {
                throw new IllegalArgumentException("name must have 1 to " + MemberRecord.MAX_TEXT + " characters");
            }
            this.name = name;
            return this;
        }

        /** Roles other members see in the record; default none. At most 32, each 1 to 256 characters. */
        public Builder roles(Set<String> roles) {
            Set<String> copy = Set.copyOf(Objects.requireNonNull(roles, "roles"));
            if (copy.size() > MemberRecord.MAX_ROLES
                    || copy.stream().anyMatch(r -> r.isBlank() || r.length() > MemberRecord.MAX_TEXT)) {
                throw new IllegalArgumentException("at most " + MemberRecord.MAX_ROLES
                        + " roles of 1 to " + MemberRecord.MAX_TEXT + " characters, got " + copy);
            }
            this.roles = copy;
            return this;
        }

        /**
         * Keeps the replica durably in {@code dir} (its log and snapshots) and its replica id with
         * it, so a restart is the same replica with a new incarnation. Default: memory only, a
         * new replica id per start.
         */
        public Builder dataDirectory(Path dir) {
            this.dataDirectory = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** The codecs of the keys this node may receive; default none beyond {@link #keys}. */
        public Builder codecs(CodecRegistry codecs) {
            this.codecs = Objects.requireNonNull(codecs, "codecs");
            return this;
        }

        /**
         * Keys whose codecs are registered (so they can be received before this node uses them).
         *
         * @throws IllegalArgumentException if a key has no codec or is in the reserved namespace
         */
        public Builder keys(Key<?>... keys) {
            for (Key<?> k : keys) {
                Objects.requireNonNull(k, "key");
                if (k.codec().isEmpty()) {
                    throw new IllegalArgumentException("key " + k + " needs a codec to be replicated");
                }
                if (k.name().startsWith(Membership.RESERVED_PREFIX)) {
                    throw new IllegalArgumentException("key names starting with '" + Membership.RESERVED_PREFIX
                            + "' are reserved: " + k.name());
                }
                this.keys.add(k);
            }
            return this;
        }

        /**
         * The transport's settings (cluster name, secret, bind address, seeds, TLS, ...): a
         * configured builder, built at {@link #start}. Required.
         */
        public Builder transport(JGroupsTransport.Builder transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** Protocol settings; default {@link SyncConfig#defaults()}. */
        public Builder sync(SyncConfig sync) {
            this.sync = Objects.requireNonNull(sync, "sync");
            return this;
        }

        /**
         * Marks a member {@code DOWN} once this node has found it unreachable for {@code d}.
         * Default off ({@link Duration#ZERO}): both sides of a partition would down each other,
         * so use it only where a member that is gone that long is gone for good.
         */
        public Builder autoDownAfter(Duration d) {
            Objects.requireNonNull(d, "autoDownAfter");
            if (d.isNegative() || (!d.isZero() && d.toMillis() < 100)) {
                throw new IllegalArgumentException("autoDownAfter must be zero (off) or at least 100 ms, got " + d);
            }
            this.autoDownAfter = d;
            return this;
        }

        /**
         * Largest lead of a peer's clock the hybrid logical clock absorbs; beyond it a
         * {@link MemberEvent.ClockSkewDetected} is raised. Default 500 ms.
         */
        public Builder maxClockOffset(Duration d) {
            Objects.requireNonNull(d, "maxClockOffset");
            if (d.isNegative()) {
                throw new IllegalArgumentException("maxClockOffset must not be negative: " + d);
            }
            this.maxClockOffset = d;
            return this;
        }

        /** Bound of {@link ClusterNode#close()}'s steps (leave, flush, threads); default 5 s. */
        public Builder shutdownTimeout(Duration d) {
            Objects.requireNonNull(d, "shutdownTimeout");
            if (d.toMillis() < 100) {
                throw new IllegalArgumentException("shutdownTimeout must be at least 100 ms, got " + d);
            }
            this.shutdownTimeout = d;
            return this;
        }

        /**
         * Builds the transport and the replicator, joins the cluster and announces this node.
         *
         * @throws IllegalStateException if no transport was given
         * @throws JGroupsTransport.TransportStartException if the cluster cannot be joined
         * @throws io.converge.crdt.store.StoreException if the data directory cannot be used
         */
        public ClusterNode start() {
            if (transport == null) {
                throw new IllegalStateException("a transport is required: transport(JGroupsTransport.builder()...)");
            }
            ReplicaId id = replicaId != null ? replicaId
                    : dataDirectory != null ? LocalStore.replicaIdFor(dataDirectory) : ReplicaId.random();
            CodecRegistry registry = codecs != null ? codecs : CodecRegistry.of();
            for (Key<?> k : keys) {
                registry.register(k.codec().orElseThrow());
            }
            registry.register(MemberRecordCodec.INSTANCE);
            JGroupsTransport t = transport.build();
            ReservedKeys capability = ReservedKeys.prefix(Membership.RESERVED_PREFIX);
            Membership membership = new Membership(id, capability, autoDownAfter);
            t.onAdmissionRefused(membership::admissionRefused);
            ReplicatorConfig.Builder rc = ReplicatorConfig.builder(id).transport(new Wrapped(t, membership))
                    .codecs(registry).sync(sync).maxClockOffset(maxClockOffset).reservedKeys(capability)
                    .shutdownTimeout(shutdownTimeout).eventListener(membership::replicatorEvent);
            if (dataDirectory != null) {
                rc.store(StoreConfig.builder(dataDirectory).build());
            }
            Replicator r;
            try {
                r = Replicator.start(rc.build());
            } catch (RuntimeException e) {
                t.close();
                membership.close(Duration.ofMillis(100));
                throw e;
            }
            String address = t.localAddress().map(a -> a.getHostString() + ":" + a.getPort()).orElse("in-jvm");
            membership.announce(new MemberRecord.Entry(name != null ? name : id.name(), address, t.incarnation(),
                    MemberStatus.JOINING, List.copyOf(roles)));
            try {
                membership.attach(r, t.stats().viewSize() <= 1);
            } catch (RuntimeException e) {
                r.close();
                t.close();
                membership.close(Duration.ofMillis(100));
                throw e;
            }
            return new ClusterNode(r, t, membership, shutdownTimeout, name != null ? name : id.name(), meterRegistry);
        }
    }

    /** The transport as the replicator sees it: reachability is tapped for the member view. */
    private static final class Wrapped implements FrameTransport {
        private final JGroupsTransport transport;
        private final Membership membership;

        Wrapped(JGroupsTransport transport, Membership membership) {
            this.transport = transport;
            this.membership = membership;
        }

        @Override
        public void start(ReplicaId self, FrameReceiver receiver) {
            transport.start(self, membership.wrap(receiver));
        }

        @Override
        public void send(ReplicaId to, byte[] frame) {
            transport.send(to, frame);
        }

        @Override
        public void close() {
            transport.close();
        }
    }
}
