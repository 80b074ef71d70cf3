package io.converge.crdt.engine;

import io.converge.crdt.CrdtTypeMismatchException;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.engine.spi.RecordStore;
import io.converge.crdt.engine.spi.Scheduler;
import io.converge.crdt.protocol.Input;
import io.converge.crdt.protocol.SyncMachine;
import io.converge.crdt.protocol.ValueSizer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node's replicated values: many named CRDTs ({@link Key}s), created on first use, updated
 * locally at any time and kept converging with the peers its transport reports, by the
 * anti-entropy protocol of {@link SyncMachine}.
 *
 * <h2>Thread-safety and memory model</h2>
 * Safe for any number of concurrent writers and readers. Updates are queued to the
 * replicator's sync thread and applied there one after another, in the order they were queued:
 * the updates of one thread apply in the order it made them, each mutator seeing the state the
 * previous updates left. Updates that queue up while the sync thread is busy are applied in one
 * step (group commit, at most {@link io.converge.crdt.protocol.SyncConfig#maxUpdatesPerStep()}):
 * they share one durable write, one change notification per key and one round of messages, and
 * a mutator that throws fails only its own update. {@link #get} reads the latest published state
 * without locking, so reads never block writers. {@link #update} returns after its state is
 * published and its step's records are as durable as the persistence promises: a read after an
 * update, on any thread that saw the update return, sees it or a later state.
 *
 * <h2>Listeners</h2>
 * {@link #subscribe} listeners run on the listener executor, never on the sync thread; a slow
 * listener gets coalesced events (see {@link ChangeEvent}) and cannot stall replication.
 * {@link #subscribeAll} listeners hear every key (but the reserved ones) under the same policy.
 *
 * <h2>Leaving</h2>
 * {@link #close()} stops taking updates, waits (at most half the shutdown timeout) until every
 * reachable peer acknowledged what this node holds for it, says goodbye so peers release it at
 * once (a crashed node is instead kept as unreachable), then releases its transport, store and
 * threads.
 *
 * <p>Owns threads: close it (try-with-resources). {@code close()} is idempotent and bounded by
 * the configured shutdown timeout.
 */
public final class Replicator implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Replicator.class);
    /** Clock skew events are published at most this often. */
    static final long SKEW_EVENT_MILLIS = 10_000;
    private final java.util.concurrent.atomic.AtomicLong lastSkewEventMillis =
            new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
    private final java.util.concurrent.atomic.AtomicLong skewSuppressed = new java.util.concurrent.atomic.AtomicLong();
    private final ReplicatorConfig config;
    private final HybridLogicalClock clock;
    private final ReplicaContext context;
    private final ReadView view;
    private final SyncDriver driver;
    private final ChangeFeed feed;
    private final EventSink events;
    private final ExecutorService ownedListenerExecutor;
    /** Null when the user supplied the scheduler. */
    private final ThreadScheduler ownedScheduler;
    private final StorePersistence storePersistence;
    /** Null without a {@link ReplicatorConfig.Builder#store store}. */
    private final io.converge.crdt.store.StoreRecoveryReport recovery;
    private final Scheduler scheduler;
    private boolean closed;
    private CompletableFuture<Void> closing;

    private Replicator(ReplicatorConfig config, MessageCodec codec, Scheduler scheduler, ThreadScheduler owned,
            Map<String, ReplicatedData<?>> restored, Map<String, Long> expiries, long sequence, long dotFloor,
            StorePersistence storePersistence, io.converge.crdt.store.StoreRecoveryReport recovery) {
        this.storePersistence = storePersistence;
        this.recovery = recovery;
        this.config = config;
        this.ownedScheduler = owned;
        this.scheduler = scheduler;
        StepClock stepClock = new StepClock(config.clock);
        this.clock = HybridLogicalClock.of(stepClock, config.maxClockOffsetMillis, HlcTimestamp.ZERO, this::clockSkew);
        this.context = new ReplicaContext(config.replicaId, clock);
        if (config.listenerExecutor == null) {
            String name = "converge-listeners-" + config.replicaId;
            ownedListenerExecutor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        } else {
            ownedListenerExecutor = null;
        }
        java.util.concurrent.Executor listeners = ownedListenerExecutor != null ? ownedListenerExecutor
                : config.listenerExecutor;
        ReservedKeys reserved = config.reserved;
        this.feed = new ChangeFeed(listeners, reserved == null ? k -> false : reserved::covers);
        this.events = new EventSink(listeners, config.eventListener);
        // Messages are cut by the bytes their values take in this codec's frames. Its encoder
        // refuses what a peer's decoder would (a string over maxStringBytes, nesting over
        // maxDepth), so a local update holding such a value fails at the write. A key without a
        // codec (a standalone replica only) is estimated.
        ValueSizer sizer = (key, value) -> config.codecs.codecFor(key).isPresent() ? codec.encodedSize(key, value)
                : ValueSizer.ESTIMATE.bytes(key, value);
        SyncMachine machine = new SyncMachine(config.replicaId, config.sync, restored, expiries, sequence, dotFloor,
                ReplicatedData::digest, sizer);
        this.view = new ReadView(restored, expiries, machine.dotFloor(), new SyncStats(machine.stats(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        if (storePersistence != null) {
            storePersistence.attach(view);
        }
        io.converge.crdt.engine.spi.FrameTransport transport = config.transport != null ? config.transport
                : new Standalone();
        this.driver = new SyncDriver(machine, new FrameStage(config.replicaId, codec), transport,
                storePersistence != null ? storePersistence : Persistence.NONE, view, feed::publish, scheduler,
                stepClock, config.failureListener, events);
    }

    /**
     * A remote stamp refused by the clock (on the sync thread, inside a mutator): logged and
     * published at most once per {@link #SKEW_EVENT_MILLIS}, the others counted into the next.
     */
    private void clockSkew(HlcTimestamp remote, long physicalMillis) {
        // The replicator's own clock, not System.nanoTime: on a simulator's virtual time the
        // events published must not depend on how fast the host runs.
        long last = lastSkewEventMillis.get();
        if (last != Long.MIN_VALUE && physicalMillis - last < SKEW_EVENT_MILLIS
                || !lastSkewEventMillis.compareAndSet(last, physicalMillis)) {
            skewSuppressed.incrementAndGet();
            return;
        }
        ReplicatorEvent.ClockSkewDetected e = new ReplicatorEvent.ClockSkewDetected(config.replicaId, remote,
                physicalMillis, config.maxClockOffsetMillis, skewSuppressed.getAndSet(0));
        LOG.warn("{}: a peer's clock runs {} ms ahead of ours (allowed offset {} ms); its stamp {} was not absorbed",
                config.replicaId, e.aheadMillis(), e.maxOffsetMillis(), remote);
        if (events != null) {
            events.publish(e);
        }
    }

    /** No network: the replica has no peers. */
    private static final class Standalone implements io.converge.crdt.engine.spi.FrameTransport {
        @Override
        public void start(ReplicaId self, FrameReceiver receiver) {
        }

        @Override
        public void send(ReplicaId to, byte[] frame) {
        }

        @Override
        public void close() {
        }
    }

    /**
     * Starts a replicator: with a store configured, recovers the replica from it first (the
     * latest snapshot, then the log after it, cutting a torn tail) and publishes what recovery
     * found as {@link ReplicatorEvent.Recovered} (also {@link #recovery()}). The store must belong
     * to this replica: the first start on a directory writes the replica id there, and a later
     * start with another id is refused (see {@link io.converge.crdt.store.LocalStore#replicaIdFor}
     * to let the store keep the id).
     *
     * @throws io.converge.crdt.store.ReplicaIdMismatchException if the store belongs to another replica
     * @throws io.converge.crdt.store.StoreGapException if the store cannot prove a gap-free history
     *     (recover it with {@link io.converge.crdt.store.StoreConfig.Builder#recoverAsNewReplica})
     * @throws io.converge.crdt.store.StoreException if the store cannot be opened or read
     * @throws IllegalArgumentException if the store is to be recovered as a new replica other than
     *     this one
     * @throws io.converge.crdt.codec.DecodeException if a stored record cannot be decoded
     */
    public static Replicator start(ReplicatorConfig config) {
        return start(config, Map.of(), 0);
    }

    /**
     * Starts a replicator from states recovered by the caller, whose log ended at
     * {@code sequence}; with a store configured, the store's contents are recovered instead.
     */
    public static Replicator start(ReplicatorConfig config, Map<String, ReplicatedData<?>> restored, long sequence) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(restored, "restored");
        MessageCodec codec = new MessageCodec(config.codecs, config.limits);
        ThreadScheduler owned = config.scheduler == null ? new ThreadScheduler(config.replicaId.name()) : null;
        Scheduler scheduler = owned != null ? owned : config.scheduler;
        Replicator r;
        try {
            RecordStore records = config.recordStore;
            io.converge.crdt.store.StoreRecoveryReport report = null;
            if (records == null && config.store != null) {
                LocalStoreRecords local = new LocalStoreRecords(
                        io.converge.crdt.store.LocalStore.open(config.store, config.replicaId));
                report = local.recovery();
                records = local;
            }
            if (records == null) {
                r = new Replicator(config, codec, scheduler, owned, Map.copyOf(restored), Map.of(), sequence, 0, null,
                        null);
            } else {
                // Local records are read and written under local limits, never the network's.
                StorePersistence persistence = new StorePersistence(records, config.codecs, config.limits,
                        scheduler.blocking());
                StorePersistence.Recovered rec;
                try {
                    rec = persistence.recover();
                } catch (RuntimeException e) {
                    persistence.close();
                    throw e;
                }
                r = new Replicator(config, codec, scheduler, owned, rec.states(), rec.expiries(), rec.nextSequence(),
                        rec.dotFloor(), persistence, report);
            }
        } catch (RuntimeException e) {
            if (owned != null) {
                owned.shutdownLoop(0);
                owned.shutdownBlocking(0);
            }
            throw e;
        }
        if (r.recovery != null) {
            r.events.publish(new ReplicatorEvent.Recovered(config.replicaId, r.recovery));
        }
        r.driver.start();
        return r;
    }

    /** This node's replica id. */
    public ReplicaId self() {
        return config.replicaId;
    }

    /**
     * What recovering from the local store found at start: whose store it is, the snapshot and
     * log records recovered, damage, files set aside in the store's {@code quarantine/}
     * directory, holes accepted when recovered as a new replica. Empty without a
     * {@link ReplicatorConfig.Builder#store store} (in memory, or with a custom
     * {@link ReplicatorConfig.Builder#recordStore record store}). Immutable.
     */
    public Optional<io.converge.crdt.store.StoreRecoveryReport> recovery() {
        return Optional.ofNullable(recovery);
    }

    /** This node's hybrid logical clock. */
    public HybridLogicalClock clock() {
        return clock;
    }

    /**
     * Applies {@code mutator}'s delta to {@code key} and returns the new state, waiting at most
     * the configured update timeout.
     *
     * @throws CrdtTypeMismatchException if the key holds another type
     * @throws ReservedKeyException if the key is in a reserved namespace; nothing is applied
     * @throws UpdateTimeoutException if the update was not applied (and made durable) in time;
     *     it may still be applied later
     * @throws IllegalStateException if the replicator is closed
     */
    public <S extends ReplicatedData<S>> S update(Key<S> key, Mutator<S> mutator) {
        CompletableFuture<S> f = updateAsync(key, mutator);
        try {
            return f.get(config.updateTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new UpdateTimeoutException("update of " + key + " not applied within " + config.updateTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpdateTimeoutException("interrupted while updating " + key);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
    }

    /**
     * {@link #update} without waiting: the future completes with the key's state right after
     * this update once it is durable, or exceptionally with the mutator's exception (the update
     * then changed nothing), {@link CrdtTypeMismatchException}, or {@link IllegalStateException}
     * if the replicator closes first. Never blocks: updates made faster than the sync thread
     * applies them queue up, so a caller that issues many should bound how many it has in flight.
     * The future is completed on the sync thread or, with a store, on the store thread: keep
     * dependent stages added with non-async methods short, or use the {@code *Async} methods.
     */
    public <S extends ReplicatedData<S>> CompletableFuture<S> updateAsync(Key<S> key, Mutator<S> mutator) {
        return updateTracked(key, mutator).thenApply(Written::state);
    }

    /**
     * The result of a local update: the key's state right after it, and the position of this
     * replica's delta buffer that a peer must acknowledge to hold the update
     * ({@link #awaitAcknowledged}).
     *
     * @param <S> the key's type
     */
    public record Written<S>(S state, long position) {
        public Written {
            Objects.requireNonNull(state, "state");
        }
    }

    /**
     * {@link #updateAsync} that also tells the buffer position the update rests on, for waiting
     * until peers acknowledged it (consistency levels above anti-entropy). Same completion and
     * failures as {@link #updateAsync}.
     *
     * @throws ReservedKeyException if the key is in a reserved namespace
     *     ({@link ReplicatorConfig.Builder#reservedKeys}); nothing is applied
     */
    public <S extends ReplicatedData<S>> CompletableFuture<Written<S>> updateTracked(Key<S> key, Mutator<S> mutator) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(mutator, "mutator");
        if (config.reserved != null && config.reserved.covers(key.name())) {
            throw new ReservedKeyException("key '" + key.name() + "' is in the reserved namespace '"
                    + config.reserved.prefix() + "': it is written by the component that reserved it, not by updates");
        }
        return write(key, mutator);
    }

    /**
     * {@link #updateTracked} for a key of the namespace reserved with {@code capability}
     * ({@link ReplicatorConfig.Builder#reservedKeys}): only its holder writes there.
     *
     * @throws ReservedKeyException if {@code capability} is not the one configured, or the key
     *     is outside its namespace; nothing is applied
     */
    public <S extends ReplicatedData<S>> CompletableFuture<Written<S>> updateReserved(ReservedKeys capability,
            Key<S> key, Mutator<S> mutator) {
        Objects.requireNonNull(capability, "capability");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(mutator, "mutator");
        if (capability != config.reserved || !capability.covers(key.name())) {
            throw new ReservedKeyException("not the capability of this replicator's reserved namespace, or key '"
                    + key.name() + "' outside it");
        }
        return write(key, mutator);
    }

    @SuppressWarnings("unchecked")
    private <S extends ReplicatedData<S>> CompletableFuture<Written<S>> write(Key<S> key, Mutator<S> mutator) {
        Optional<CrdtTypeMismatchException> clash = bindCodec(key);
        if (clash.isPresent()) {
            return CompletableFuture.failedFuture(clash.get());
        }
        if (key.codec().isEmpty() && storePersistence != null) {
            throw new IllegalArgumentException("key " + key + " needs a codec to be stored: use Key.withCodec");
        } else if (config.transport != null && config.codecs.codecFor(key.name()).isEmpty()) {
            throw new IllegalArgumentException("key " + key + " needs a codec to be replicated: use Key.withCodec");
        }
        return driver.update(new Input.LocalUpdate(key.name(), key.bottom(),
                        state -> Objects.requireNonNull(mutator.delta((S) state, context), "the mutator returned null"),
                        key.timeToLiveMillis()))
                .thenApply(a -> new Written<>((S) a.state(), a.upTo()));
    }

    /**
     * Waits until at least {@code peers} peers acknowledged {@code position} (see
     * {@link Written#position()}): a peer acknowledges only what it joined and made durable.
     * Completes with the peers that did; exceptionally with {@link AcknowledgementTimeoutException}
     * after {@code timeout} (the write stays applied and keeps spreading), or
     * {@link IllegalStateException} if the replicator closes first. Never blocks; completes on the
     * sync thread, so keep dependent stages short.
     *
     * @throws IllegalArgumentException if {@code peers} is negative or the timeout is not positive
     */
    public CompletableFuture<java.util.Set<ReplicaId>> awaitAcknowledged(long position, int peers, Duration timeout) {
        return awaitAcknowledged(position, peers, java.util.Set.of(), timeout);
    }

    /** {@link #awaitAcknowledged(long, int, Duration)} counting only the peers in {@code among}. */
    public CompletableFuture<java.util.Set<ReplicaId>> awaitAcknowledged(long position, int peers,
            java.util.Set<ReplicaId> among, Duration timeout) {
        Objects.requireNonNull(among, "among");
        Objects.requireNonNull(timeout, "timeout");
        if (peers < 0) {
            throw new IllegalArgumentException("peers must not be negative, got " + peers);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        return driver.awaitAcknowledged(position, peers, among, timeout.toMillis());
    }

    /**
     * Reads {@code key} from {@code peer}, joins its state into this replica's (read repair) and
     * completes with the key's state here after that join (empty if neither holds it).
     * Exceptionally: {@link RemoteReadException} (timeout, peer not up, too large for one
     * message, another type) or {@link CrdtTypeMismatchException} if the key holds another type
     * here. Never blocks.
     */
    public <S extends ReplicatedData<S>> CompletableFuture<Optional<S>> readFrom(ReplicaId peer, Key<S> key,
            Duration timeout) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        Optional<CrdtTypeMismatchException> clash = bindCodec(key);
        if (clash.isPresent()) {
            return CompletableFuture.failedFuture(clash.get());
        }
        return driver.read(key.name(), peer, timeout.toMillis()).thenApply(s -> typed(key, s));
    }

    /** Binds the key's codec, if it names one; the clash if the key is bound to another type. */
    private Optional<CrdtTypeMismatchException> bindCodec(Key<?> key) {
        if (key.codec().isPresent()) {
            try {
                config.codecs.bind(key.name(), key.codec().get());
            } catch (CrdtTypeMismatchException e) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * {@code state} as the key's type.
     *
     * @throws CrdtTypeMismatchException if it holds another type
     */
    @SuppressWarnings("unchecked")
    private static <S extends ReplicatedData<S>> Optional<S> typed(Key<S> key, Optional<ReplicatedData<?>> state) {
        if (state.isPresent() && state.get().getClass() != key.bottom().getClass()) {
            throw new CrdtTypeMismatchException("key '" + key.name() + "' holds a "
                    + state.get().getClass().getSimpleName() + ", not a " + key.bottom().getClass().getSimpleName());
        }
        return (Optional<S>) (Optional<?>) state;
    }

    /**
     * The current state of {@code key}, empty if nothing was written to it yet. Lock-free.
     *
     * @throws CrdtTypeMismatchException if the key holds another type
     */
    public <S extends ReplicatedData<S>> Optional<S> get(Key<S> key) {
        Objects.requireNonNull(key, "key");
        return typed(key, view.get(key.name()));
    }

    /** Number of keys held. */
    public int size() {
        return view.size();
    }

    /** Calls {@code listener} after every change of {@code key}, local or remote. */
    public <S extends ReplicatedData<S>> Subscription subscribe(Key<S> key, ChangeListener<S> listener) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(listener, "listener");
        return feed.subscribe(key, listener)::close;
    }

    /**
     * Calls {@code listener} after every change of any key, local or remote, from now on (a key
     * that expires is told with an empty state). Keys in the reserved namespace
     * ({@link ReplicatorConfig.Builder#reservedKeys}) are not told. Same policy as
     * {@link #subscribe}: on the listener executor, never blocking the sync thread; while the
     * listener is busy, the changes of a key coalesce into its latest state, so memory is bounded
     * by the number of keys changed since the last delivery. Changes before the call are not
     * replayed: read {@link #get} for the current state.
     */
    public Subscription subscribeAll(AnyChangeListener listener) {
        Objects.requireNonNull(listener, "listener");
        return feed.subscribeAll(listener)::close;
    }

    /**
     * Replication figures as of the latest step: sequence, buffered deltas, each peer's
     * acknowledged position and lag, transfers by reason, frames carried and refused. Lock-free.
     */
    public SyncStats stats() {
        return view.stats();
    }

    /**
     * Says goodbye and stops: waits (at most half the shutdown timeout) until every reachable peer
     * acknowledged what this node buffered, tells the peers it leaves, closes the transport,
     * finishes the queued work and closes the store and the owned threads. Updates accepted
     * before close are applied first; later ones fail with {@link IllegalStateException}.
     * Idempotent, bounded by the shutdown timeout. With a user-supplied {@link Scheduler} it does
     * not wait for peers: use {@link #closeAsync()} to leave gracefully on such a scheduler.
     */
    @Override
    public void close() {
        if (!beginClose()) {
            return;
        }
        long timeout = config.shutdownTimeout.toMillis();
        CompletableFuture<Void> left = driver.leave();
        if (ownedScheduler != null) {
            try {
                left.get(timeout / 2, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // Peers that did not acknowledge in time catch up from others, or by transfer.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        finishClose();
    }

    /**
     * {@link #close()} without blocking: leaves gracefully (waits for acknowledgements, says
     * goodbye) and then stops, at most half the shutdown timeout later on the scheduler's clock.
     * The future completes once the replicator is closed. Meant for a user-supplied
     * {@link Scheduler} (a simulation on virtual time); with the replicator's own threads it
     * completes on one of them. Idempotent: later calls return the first call's future.
     */
    public synchronized CompletableFuture<Void> closeAsync() {
        if (closing != null) {
            return closing;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        closing = done;
        if (!beginClose()) {
            done.complete(null);
            return done;
        }
        CompletableFuture<Void> left = driver.leave();
        Scheduler.Cancellable timer = scheduler.schedule(() -> left.complete(null), config.shutdownTimeout.toMillis() / 2);
        left.whenComplete((v, e) -> {
            timer.cancel();
            if (ownedScheduler != null) {
                // Not on the loop: shutting it down waits for it.
                CompletableFuture.runAsync(this::finishClose).whenComplete((x, err) -> done.complete(null));
            } else {
                try {
                    finishClose();
                } finally {
                    done.complete(null);
                }
            }
        });
        return done;
    }

    private synchronized boolean beginClose() {
        if (closed) {
            return false;
        }
        closed = true;
        return true;
    }

    private void finishClose() {
        long timeout = config.shutdownTimeout.toMillis();
        driver.stop();
        if (ownedScheduler != null) {
            ownedScheduler.shutdownLoop(timeout / 2);
            ownedScheduler.shutdownBlocking(timeout / 2);
        }
        if (storePersistence != null) {
            storePersistence.close();
        }
        if (ownedListenerExecutor != null) {
            ownedListenerExecutor.shutdown();
            try {
                ownedListenerExecutor.awaitTermination(timeout, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ownedListenerExecutor.shutdownNow();
        }
    }
}
