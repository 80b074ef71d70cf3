package io.converge.crdt.engine;

import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.engine.spi.RecordStore;
import io.converge.crdt.engine.spi.Scheduler;
import io.converge.crdt.protocol.SyncConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * How a {@link Replicator} runs. Immutable; build with {@link #builder(ReplicaId)}, whose setters
 * name their defaults and validate their argument.
 */
public final class ReplicatorConfig {
    final ReplicaId replicaId;
    final SyncConfig sync;
    /** Null for a standalone replica (no network). */
    final FrameTransport transport;
    /** Null unless a custom record store was given. */
    final RecordStore recordStore;
    /** Null for the replicator's own threads. */
    final Scheduler scheduler;
    final LongSupplier clock;
    final long maxClockOffsetMillis;
    final Executor listenerExecutor;
    final Duration updateTimeout;
    final Duration shutdownTimeout;
    final io.converge.crdt.store.StoreConfig store;
    final io.converge.crdt.codec.CodecRegistry codecs;
    final io.converge.crdt.codec.CodecLimits limits;
    final java.util.function.Consumer<Throwable> failureListener;
    final java.util.function.Consumer<ReplicatorEvent> eventListener;
    /** Null when no namespace is reserved. */
    final ReservedKeys reserved;

    private ReplicatorConfig(Builder b) {
        this.replicaId = b.replicaId;
        this.sync = b.sync;
        this.transport = b.transport;
        this.recordStore = b.recordStore;
        this.scheduler = b.scheduler;
        this.clock = b.clock;
        this.maxClockOffsetMillis = b.maxClockOffsetMillis;
        this.listenerExecutor = b.listenerExecutor;
        this.updateTimeout = b.updateTimeout;
        this.shutdownTimeout = b.shutdownTimeout;
        this.store = b.store;
        this.codecs = b.codecs;
        this.limits = b.limits;
        this.failureListener = b.failureListener;
        this.eventListener = b.eventListener;
        this.reserved = b.reserved;
    }

    /**
     * A builder for the replica {@code replicaId} (persist it: a node that lost its state needs a
     * new one). With a {@link Builder#store store}, the store keeps it: pass
     * {@link io.converge.crdt.store.LocalStore#replicaIdFor LocalStore.replicaIdFor(directory)} to
     * reuse the id the directory holds, or get a fresh one for a fresh directory.
     */
    public static Builder builder(ReplicaId replicaId) {
        return new Builder(Objects.requireNonNull(replicaId, "replicaId"));
    }

    /** The replica id. */
    public ReplicaId replicaId() {
        return replicaId;
    }

    /** Builds a {@link ReplicatorConfig}. Not thread-safe. */
    public static final class Builder {
        private final ReplicaId replicaId;
        private SyncConfig sync = SyncConfig.defaults();
        private FrameTransport transport;
        private RecordStore recordStore;
        private Scheduler scheduler;
        private LongSupplier clock = System::currentTimeMillis;
        private long maxClockOffsetMillis = HybridLogicalClock.DEFAULT_MAX_OFFSET_MILLIS;
        private Executor listenerExecutor;
        private Duration updateTimeout = Duration.ofSeconds(10);
        private Duration shutdownTimeout = Duration.ofSeconds(5);
        private io.converge.crdt.store.StoreConfig store;
        private io.converge.crdt.codec.CodecRegistry codecs = io.converge.crdt.codec.CodecRegistry.of();
        private io.converge.crdt.codec.CodecLimits limits = io.converge.crdt.codec.CodecLimits.defaults();
        private java.util.function.Consumer<Throwable> failureListener = e -> { };
        private java.util.function.Consumer<ReplicatorEvent> eventListener = e -> { };
        private ReservedKeys reserved;

        private Builder(ReplicaId replicaId) {
            this.replicaId = replicaId;
        }

        /** Protocol settings; default {@link SyncConfig#defaults()}. */
        public Builder sync(SyncConfig sync) {
            this.sync = Objects.requireNonNull(sync, "sync");
            return this;
        }

        /**
         * The network; default none (a standalone replica with no peers). Frames are encoded
         * with {@link #codecs}, so over a network every key needs a codec ({@link Key#withCodec}).
         */
        public Builder transport(FrameTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Keeps the replica in a durable local store: every update is appended to its log before
         * it is acknowledged (per the store's fsync policy), and {@link Replicator#start} recovers
         * from it. Every key then needs a codec ({@link Key#withCodec}), and the codecs of keys
         * that may be recovered or received must be registered with {@link #codecs}. Default:
         * none (memory only).
         *
         * <p>The store belongs to one replica (crdt.md §2): the first start writes this replica's
         * id to the directory, and a start with another id is refused
         * ({@link io.converge.crdt.store.ReplicaIdMismatchException}), as is a store that cannot
         * prove a gap-free history ({@link io.converge.crdt.store.StoreGapException}); such a
         * store opens only as a new replica, named by
         * {@link io.converge.crdt.store.StoreConfig.Builder#recoverAsNewReplica} and given here as
         * this replica's id. Records and snapshots are written and read under local limits, not
         * {@link #codecLimits}, so whatever the store accepted reopens under any limits.
         */
        public Builder store(io.converge.crdt.store.StoreConfig store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The codecs values are encoded with, by id; default none. */
        public Builder codecs(io.converge.crdt.codec.CodecRegistry codecs) {
            this.codecs = Objects.requireNonNull(codecs, "codecs");
            return this;
        }

        /**
         * Limits for frames exchanged with peers: received frames are decoded within them; default
         * {@code CodecLimits.defaults()}. The local store is not bound by them (see {@link #store}).
         */
        public Builder codecLimits(io.converge.crdt.codec.CodecLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Keeps the replica in {@code store} instead of the files of a {@link #store(io.converge.crdt.store.StoreConfig)}:
         * for tests and simulations. The replicator closes it on close. Default: none.
         */
        public Builder recordStore(RecordStore store) {
            this.recordStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Runs the sync loop, timers and store I/O on {@code scheduler} (for example on virtual
         * time in a simulation); it is never shut down by the replicator, and {@link Replicator#close()}
         * then does not wait for peers to acknowledge before saying goodbye. Default: threads the
         * replicator owns ({@code converge-sync-<replica>}, {@code converge-store-<replica>}).
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Physical clock in epoch milliseconds; default {@link System#currentTimeMillis()}. */
        public Builder clock(LongSupplier clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Largest remote clock lead the HLC absorbs; default 500 ms. */
        public Builder maxClockOffset(Duration d) {
            Objects.requireNonNull(d, "maxClockOffset");
            if (d.isNegative()) {
                throw new IllegalArgumentException("maxClockOffset must not be negative: " + d);
            }
            this.maxClockOffsetMillis = d.toMillis();
            return this;
        }

        /**
         * Runs change listeners; default a replicator-owned single daemon thread
         * {@code converge-listeners-<replica>}, shut down on close. A supplied executor is
         * never shut down by the replicator.
         */
        public Builder listenerExecutor(Executor executor) {
            this.listenerExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** How long {@link Replicator#update} waits; default 10 s. */
        public Builder updateTimeout(Duration d) {
            this.updateTimeout = positive(d, "updateTimeout");
            return this;
        }

        /** How long {@link Replicator#close()} waits for threads to stop; default 5 s. */
        public Builder shutdownTimeout(Duration d) {
            this.shutdownTimeout = positive(d, "shutdownTimeout");
            return this;
        }

        /**
         * Also tells {@code listener} of every exception the replicator catches and logs instead
         * of letting it escape: a sync step that threw, a persist that failed. Each is a bug or a
         * broken store, never a normal event; the simulator fails a schedule on it. Called on
         * the sync loop or the store thread; it must not throw. Default: none (logged only).
         */
        public Builder failureListener(java.util.function.Consumer<Throwable> listener) {
            this.failureListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Tells {@code listener} of every {@link ReplicatorEvent}, from the start (recovery
         * included), on the listener executor. Default: none (events are still logged and counted).
         */
        public Builder eventListener(java.util.function.Consumer<ReplicatorEvent> listener) {
            this.eventListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Reserves the key names {@code reserved} covers: {@link Replicator#update} and its
         * variants refuse them with {@link ReservedKeyException}, and only
         * {@link Replicator#updateReserved} with this very instance writes them. Default: none.
         */
        public Builder reservedKeys(ReservedKeys reserved) {
            this.reserved = Objects.requireNonNull(reserved, "reserved");
            return this;
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }

        /**
         * The configuration.
         *
         * @throws IllegalStateException if both a store and a record store were given, the sync
         *     message bound is above half the codec's frame limit, or the sync entry bound above
         *     the codec's {@code maxElements}
         */
        public ReplicatorConfig build() {
            if (store != null && recordStore != null) {
                throw new IllegalStateException("give either a store or a record store, not both");
            }
            if (sync.maxMessageBytes() > limits.maxFrameBytes() / 2) {
                throw new IllegalStateException("sync maxMessageBytes " + sync.maxMessageBytes()
                        + " must be at most half the codec's maxFrameBytes " + limits.maxFrameBytes()
                        + ": frames carry tables beside their values, and peers refuse larger frames");
            }
            if (sync.maxEntriesPerMessage() > limits.maxElements()) {
                throw new IllegalStateException("sync maxEntriesPerMessage " + sync.maxEntriesPerMessage()
                        + " must be at most the codec's maxElements " + limits.maxElements()
                        + ": peers refuse a message holding more");
            }
            return new ReplicatorConfig(this);
        }
    }
}
