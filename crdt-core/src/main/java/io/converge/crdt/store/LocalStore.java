package io.converge.crdt.store;

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
 * Losing the store's directory means the replica must come back with a new replica id
 * (crdt.md §2).
 *
 * <p><b>Thread-safety.</b> Safe for concurrent use; snapshots are serialised. Owns the log's
 * resources (file channel, directory lock, flusher thread); {@link #close()} is idempotent and
 * bounded by {@link StoreConfig#closeTimeout()}.
 */
public final class LocalStore implements AutoCloseable {
    private final StoreConfig config;
    private final DeltaLog log;
    private final SnapshotStore snapshots;
    private final Object snapshotLock = new Object();
    private final AtomicLong recordsSinceSnapshot = new AtomicLong();
    private final AtomicLong bytesSinceSnapshot = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long snapshotSequence = -1;

    private LocalStore(StoreConfig config, DeltaLog log, SnapshotStore snapshots) {
        this.config = config;
        this.log = log;
        this.snapshots = snapshots;
        // Until recover() counts what lies past the snapshot, assume the whole log does.
        RecoveryReport r = log.recovery();
        recordsSinceSnapshot.set(r.records());
    }

    /**
     * Opens the store in {@link StoreConfig#directory()}, recovering its log (see
     * {@link DeltaLog#open}).
     *
     * @throws NullPointerException if {@code config} is null
     * @throws StoreException if the directory is in use or an I/O error occurs
     */
    public static LocalStore open(StoreConfig config) {
        Objects.requireNonNull(config, "config");
        DeltaLog log = DeltaLog.open(config);
        try {
            return new LocalStore(config, log, SnapshotStore.open(config));
        } catch (RuntimeException | Error e) {
            log.close();
            throw e;
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
        Optional<Snapshot> snapshot = snapshots.latest();
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
