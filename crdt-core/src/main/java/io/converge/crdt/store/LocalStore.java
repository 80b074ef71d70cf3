package io.converge.crdt.store;

import io.converge.crdt.causal.ReplicaId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A replica's durable local store: a {@link DeltaLog} of deltas plus a {@link SnapshotStore} of
 * whole states, kept together as crdt.md §5 prescribes: append {@code (delta, c)}, snapshot
 * {@code X} now and then, truncate the log behind the snapshot, and after a crash replay the log
 * onto the snapshot.
 *
 * <pre>{@code
 * long[] total = {0}; // the "state": a sum; each record is an 8-byte increment
 * try (LocalStore store = LocalStore.open(StoreConfig.builder(dir).build())) {
 *     long last = store.recover(
 *             snapshot -> total[0] = snapshot.state().getLong(),
 *             (seq, delta) -> total[0] += ByteBuffer.wrap(delta).getLong());
 *     long seq = last + 1;
 *     store.append(seq, ByteBuffer.allocate(8).putLong(5).array()); // durable per the fsync policy
 *     total[0] += 5;
 *     if (store.snapshotDue()) {
 *         store.snapshot(seq, ByteBuffer.allocate(8).putLong(total[0]).array());
 *     }
 * }
 * }</pre>
 * (Compiled and run as {@code StoreSnippetsTest}.)
 *
 * <p><b>Guarantees.</b> Those of its parts: an append is as durable as the
 * {@link FsyncPolicy} says; a snapshot is durable before the log is truncated behind it, so a
 * crash at any point leaves a snapshot plus a log that together cover every acknowledged record.
 * Records must carry sequences above every snapshot's (the log enforces order among records).
 *
 * <p><b>Opening never loses history silently.</b> {@link #open} opens a store only if what it
 * holds is a gap-free history: the snapshot, then log segments that each follow on from the one
 * before (a torn end of the last segment, the trace of a crash, is cut; damage with valid records
 * after it is no end but a hole). A missing, damaged or
 * truncated segment or snapshot makes it refuse with {@link StoreGapException}, changing nothing;
 * files it cannot read but does not need are moved to {@code quarantine/}, never deleted; what
 * it found is in {@link #recovery()}.
 *
 * <p><b>Identity.</b> A store belongs to one replica: {@link #open(StoreConfig, ReplicaId)} writes
 * the id to the directory's {@code IDENTITY} file at the first open and refuses any other id
 * afterwards ({@link ReplicaIdMismatchException}). {@link #replicaIdFor(Path)} lets the store
 * choose and keep the id. Losing the store's directory, or recovering a damaged one, means the
 * replica must come back with a new replica id (crdt.md §2):
 * {@link StoreConfig.Builder#recoverAsNewReplica}.
 *
 * <p><b>Thread-safety.</b> Safe for concurrent use; snapshots are serialised. Owns the log's
 * resources (file channel, directory lock, flusher thread); {@link #close()} is idempotent and
 * bounded by {@link StoreConfig#closeTimeout()}.
 */
public final class LocalStore implements AutoCloseable {
    private final StoreConfig config;
    private final DeltaLog log;
    private final SnapshotStore snapshots;
    private final StoreRecoveryReport report;
    /** The snapshot recovery found at open, until {@link #recover} hands it over; then null. */
    private Snapshot recovered;
    private final Object snapshotLock = new Object();
    private final AtomicLong recordsSinceSnapshot = new AtomicLong();
    private final AtomicLong bytesSinceSnapshot = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long snapshotSequence = -1;

    private LocalStore(StoreConfig config, Recovery.OpenedStore opened) {
        this.config = config;
        this.log = opened.log;
        this.snapshots = opened.snapshots;
        this.report = opened.report;
        this.recovered = opened.snapshot;
        this.snapshotSequence = opened.report.snapshotSequence();
        // Until recover() counts what lies past the snapshot, assume the whole log does.
        recordsSinceSnapshot.set(log.recovery().records());
    }

    /**
     * Opens the store in {@link StoreConfig#directory()} without naming a replica: as whichever
     * replica its identity file names, if any (it writes none). See
     * {@link #open(StoreConfig, ReplicaId)} for recovery and its refusals.
     *
     * @throws NullPointerException if {@code config} is null
     * @throws StoreGapException if the store cannot prove a gap-free history
     * @throws StoreIdentityException if its identity file cannot be read
     * @throws StoreException if the directory is in use or an I/O error occurs
     */
    public static LocalStore open(StoreConfig config) {
        Objects.requireNonNull(config, "config");
        return new LocalStore(config, Recovery.openStore(config, null));
    }

    /**
     * Opens the store in {@link StoreConfig#directory()} as replica {@code replica} and recovers
     * it: reads the identity file, the snapshots and every log segment without changing anything,
     * and opens only if they prove a gap-free history. Then it cuts a torn end of the last
     * segment (the trace of a crash during an append), moves every file it could not read to
     * {@code quarantine/<time>/} (never deleting one), and reports it all in {@link #recovery()}.
     *
     * <p>The first open with an id writes it to the directory's {@code IDENTITY} file (atomically,
     * forced); later opens must name the same id. With
     * {@link StoreConfig.Builder#recoverAsNewReplica(ReplicaId)} set to {@code replica}, a store
     * that belongs to another replica, or holds holes, or whose identity file is unreadable, is
     * opened as the new replica {@code replica}: holes and all, keeping what it can read.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the configuration recovers the store as another new replica
     * @throws ReplicaIdMismatchException if the store belongs to another replica
     * @throws StoreIdentityException if its identity file cannot be read
     * @throws StoreGapException if the store cannot prove a gap-free history (nothing is changed)
     * @throws StoreException if the directory is in use or an I/O error occurs
     */
    public static LocalStore open(StoreConfig config, ReplicaId replica) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(replica, "replica");
        return new LocalStore(config, Recovery.openStore(config, replica));
    }

    /**
     * The replica id kept in the store directory {@code directory}, or, if it holds none, a fresh
     * {@link ReplicaId#random() random} one written there (atomically, forced) and kept from then
     * on. The way to let the store choose the id: a node restarted on its directory keeps its id,
     * a node given a fresh (or wiped) directory gets a new one, as crdt.md §2 requires.
     *
     * <pre>{@code
     * ReplicaId me = LocalStore.replicaIdFor(dataDir);
     * Replicator node = Replicator.start(ReplicatorConfig.builder(me)
     *         .store(StoreConfig.builder(dataDir).build()) ...
     * }</pre>
     *
     * A directory that holds data from before identity files existed also gets a fresh id (safe:
     * the replica then mints dots under an id nobody used); to keep its old id, open it once with
     * {@link #open(StoreConfig, ReplicaId)} instead.
     *
     * @throws NullPointerException if {@code directory} is null
     * @throws StoreIdentityException if the identity file cannot be read
     * @throws StoreException if the directory is in use by an open store and holds no id yet, or
     *     on an I/O error
     */
    public static ReplicaId replicaIdFor(Path directory) {
        Objects.requireNonNull(directory, "directory");
        Optional<ReplicaId> existing = storedReplicaId(directory);
        if (existing.isPresent()) {
            return existing.get();
        }
        StoreConfig c = StoreConfig.builder(directory).build();
        StoreLock lock = StoreLock.acquire(c);
        try {
            Optional<ReplicaId> again = storedReplicaId(directory); // another process may have won
            if (again.isPresent()) {
                return again.get();
            }
            ReplicaId fresh = ReplicaId.random();
            IdentityFile.write(directory, new IdentityFile.Identity(fresh, Optional.empty(), -1));
            return fresh;
        } catch (IOException e) {
            throw new StoreException("cannot write the identity of " + directory, e);
        } finally {
            lock.close();
        }
    }

    /**
     * The replica id the identity file in store directory {@code directory} names; empty if there
     * is none (a fresh directory, or one never opened with an id).
     *
     * @throws NullPointerException if {@code directory} is null
     * @throws StoreIdentityException if the identity file cannot be read
     * @throws StoreException on an I/O error
     */
    public static Optional<ReplicaId> storedReplicaId(Path directory) {
        Objects.requireNonNull(directory, "directory");
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        try {
            return IdentityFile.read(directory).map(IdentityFile.Identity::replicaId);
        } catch (IdentityFile.Unreadable e) {
            throw new StoreIdentityException("the identity file of store " + directory + " cannot be read: " + e.getMessage());
        } catch (IOException e) {
            throw new StoreException("cannot read the identity of " + directory, e);
        }
    }

    /**
     * Hands over the latest valid snapshot (if any) and then every log record after it, in
     * order: the state at the last acknowledged write.
     *
     * @param onSnapshot called at most once, first, with the latest snapshot
     * @param onRecord   called for each record above the snapshot's sequence
     * @return the last sequence recovered (the larger of the snapshot's and the log's), {@code -1}
     *     if the store is empty; the next append must be above it
     * @throws NullPointerException if a consumer is null
     * @throws StoreException on an I/O error
     */
    public long recover(Consumer<Snapshot> onSnapshot, DeltaLog.RecordConsumer onRecord) {
        Objects.requireNonNull(onSnapshot, "onSnapshot");
        Objects.requireNonNull(onRecord, "onRecord");
        Optional<Snapshot> snapshot;
        synchronized (snapshotLock) {
            // The one open checked, held until now; a later call reads the latest again.
            snapshot = recovered != null ? Optional.of(recovered) : snapshotSequence < 0 ? Optional.empty() : snapshots.latest();
            recovered = null;
        }
        long from = snapshot.map(Snapshot::sequence).orElse(-1L);
        snapshot.ifPresent(onSnapshot);
        snapshotSequence = from;
        long[] bytes = {0};
        long[] last = {from};
        long replayed = log.replay(from, (seq, record) -> {
            bytes[0] += record.length;
            last[0] = seq;
            onRecord.accept(seq, record);
        });
        recordsSinceSnapshot.set(replayed);
        bytesSinceSnapshot.set(bytes[0]);
        return Math.max(last[0], log.lastSequence());
    }

    /**
     * Appends a record to the log; see {@link DeltaLog#append} for durability and failures.
     *
     * @throws NullPointerException if {@code record} is null
     * @throws SequenceOrderException if {@code sequence} is not above the log's last
     * @throws RecordTooLargeException if {@code record} is too long
     * @throws StoreException on an I/O error or after close
     */
    public void append(long sequence, byte[] record) {
        log.append(sequence, record);
        recordsSinceSnapshot.incrementAndGet();
        bytesSinceSnapshot.addAndGet(record.length);
    }

    /**
     * Appends records as one batch; see {@link DeltaLog#appendAll}: under {@code ALWAYS} one
     * force covers them all.
     */
    public void appendAll(long[] sequences, byte[][] records) {
        log.appendAll(sequences, records);
        recordsSinceSnapshot.addAndGet(records.length);
        long bytes = 0;
        for (byte[] r : records) {
            bytes += r.length;
        }
        bytesSinceSnapshot.addAndGet(bytes);
    }

    /**
     * Whether enough has been appended since the last snapshot (or since the start) that a
     * snapshot is due: {@link StoreConfig#snapshotEveryRecords()} records or
     * {@link StoreConfig#snapshotEveryBytes()} bytes. Advisory: the caller decides when.
     */
    public boolean snapshotDue() {
        return recordsSinceSnapshot.get() >= config.snapshotEveryRecords()
                || bytesSinceSnapshot.get() >= config.snapshotEveryBytes();
    }

    /**
     * Writes a snapshot of the whole state, durably and atomically, then deletes the log segments
     * it makes redundant. A crash during this call leaves either the previous snapshot with the
     * full log, or the new one.
     *
     * @param sequence the last sequence {@code state} includes
     * @param state    the encoded state
     * @throws NullPointerException if {@code state} is null
     * @throws IllegalArgumentException if {@code sequence} is negative
     * @throws StoreException on an I/O error (the previous snapshot and the log are then intact)
     */
    public void snapshot(long sequence, byte[] state) {
        synchronized (snapshotLock) {
            if (closed.get()) {
                throw new StoreClosedException("store " + config.directory() + " is closed");
            }
            snapshots.write(sequence, state);
            snapshotSequence = sequence;
            recordsSinceSnapshot.set(0);
            bytesSinceSnapshot.set(0);
            log.truncateBefore(sequence == Long.MAX_VALUE ? sequence : sequence + 1);
        }
    }

    /**
     * What opening the store found and did: identity, snapshot, damage, files set aside, holes
     * accepted. Immutable.
     */
    public StoreRecoveryReport recovery() {
        return report;
    }

    /** The replica the store belongs to, if its identity file names one. */
    public Optional<ReplicaId> replicaId() {
        return report.replicaId();
    }

    /** The sequence of the latest snapshot written or recovered, {@code -1} if none. */
    public long snapshotSequence() {
        return snapshotSequence;
    }

    /** The log, for durability queries ({@link DeltaLog#whenDurable}, {@link DeltaLog#sync()}). */
    public DeltaLog log() {
        return log;
    }

    /** The configuration the store was opened with. */
    public StoreConfig config() {
        return config;
    }

    /** Closes the log (forcing what was appended); idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            synchronized (snapshotLock) {
                log.close();
            }
        }
    }

    @Override
    public String toString() {
        return "LocalStore{" + config.directory() + ", snapshot=" + snapshotSequence + ", log=" + log + "}";
    }
}
