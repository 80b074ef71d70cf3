package io.converge.crdt.store;

import java.util.concurrent.CompletableFuture;

/**
 * A write-ahead log of opaque records, each tagged with a strictly increasing sequence number:
 * the durable half of crdt.md §5 ("append {@code (delta, c)} to a write-ahead log, snapshot
 * {@code X}, truncate; after kill -9 replay the log onto the snapshot").
 *
 * <p><b>Guarantees.</b> {@link #append} returns once the record is as durable as the
 * {@link FsyncPolicy} promises (see there for each policy's loss window); under
 * {@link FsyncPolicy#ALWAYS} a record whose {@code append} returned survives {@code kill -9}, an
 * OS crash and a power loss. On {@link #open open} the log cuts a torn or corrupt end of its last
 * segment (the trace of a crash during an append; damage followed by a valid record is a hole,
 * not an end), sets aside in {@code quarantine/} (never
 * deletes) any other file it cannot read, and refuses to open with {@link StoreGapException},
 * changing nothing, if its segments do not follow on from each other; it says what it found in
 * {@link #recovery()}. It never hands back garbage: every replayed record passed its CRC32C.
 *
 * <p><b>Thread-safety.</b> Safe for concurrent use. Appends are serialised (sequence numbers
 * must increase in the order the appends take effect). <b>Do not interrupt a thread inside
 * {@code append} or {@code sync}</b>: an interrupt closes the underlying {@code FileChannel}
 * (a JDK rule) and fails the log, which must then be reopened.
 *
 * <p><b>Resources.</b> An open log holds a file channel, a lock file ({@code LOCK}, so two
 * processes cannot open one directory) and, under {@link FsyncPolicy#everyMillis}, a daemon
 * thread named {@code converge-store-flush}. {@link #close()} releases them; it is idempotent
 * and waits at most {@link StoreConfig#closeTimeout()} for the flusher.
 *
 * <p>Typical start-up: load the latest snapshot (covering sequences up to {@code s}), then
 * {@code replay(s, ...)}, then append from {@code max(s, lastSequence()) + 1}.
 */
public interface DeltaLog extends AutoCloseable {

    /**
     * Opens (creating if needed) the log in {@link StoreConfig#logDirectory()} and recovers it:
     * every segment is read and checked; a torn or corrupt end of the last segment is cut off
     * (logged at WARN for a torn record, at ERROR otherwise, when the cut segment is first copied
     * to quarantine); any other file with a segment's name that cannot be read is moved to
     * {@code quarantine/<time>/}; and the last segment is forced, so {@link #durableSequence()}
     * starts at {@link #lastSequence()}.
     *
     * <p>The log alone cannot tell what a snapshot covers, so it trusts where its first segment
     * starts and checks the links between segments; {@link LocalStore#open} checks the start
     * against the snapshot too. A log whose segments do not follow on from each other (one
     * deleted, cut short or damaged in the middle) is not opened, unless the configuration
     * {@linkplain StoreConfig.Builder#recoverAsNewReplica recovers it as a new replica}; the
     * holes are then kept in the report and accepted from then on. Damage in the last segment
     * followed by a valid record is such a hole too (a crash tears only the end of a file): it
     * is refused naming the lost sequences; as a new replica the records after it are kept.
     *
     * @param config the store configuration
     * @return the open log
     * @throws NullPointerException if {@code config} is null
     * @throws StoreGapException if the segments do not prove a gap-free history (nothing changed)
     * @throws StoreIdentityException if the store's identity file cannot be read
     * @throws StoreException if the directory cannot be created, is locked by another process
     *     or another open log in this JVM, or an I/O error occurs
     */
    static DeltaLog open(StoreConfig config) {
        return FileDeltaLog.open(config);
    }

    /**
     * Appends one record and returns once it is durable as the policy promises: forced to stable
     * storage under {@code ALWAYS}, handed to the OS under the others. The log does not keep a
     * reference to {@code record}.
     *
     * @param sequence greater than {@link #lastSequence()} and non-negative
     * @param record   the payload, at most {@link StoreConfig#maxRecordBytes()} bytes (may be empty)
     * @throws NullPointerException if {@code record} is null
     * @throws SequenceOrderException if {@code sequence} is not above the last one; nothing written
     * @throws RecordTooLargeException if {@code record} is too long; nothing written
     * @throws StoreClosedException if the log is closed
     * @throws StoreException on an I/O error (the log then fails for good)
     */
    void append(long sequence, byte[] record);

    /**
     * Appends records in order and returns once all are durable as the policy promises; under
     * {@code ALWAYS} one force covers the whole batch (group commit), which is what makes a batch
     * cheaper than the same {@link #append}s. Every record is checked before any is written: on a
     * {@link SequenceOrderException} or {@link RecordTooLargeException} nothing is written.
     *
     * @param sequences strictly increasing, the first above {@link #lastSequence()}
     * @param records   one per sequence, each at most {@link StoreConfig#maxRecordBytes()} bytes
     * @throws IllegalArgumentException if the arrays differ in length
     * @throws NullPointerException if an array or a record is null
     * @throws SequenceOrderException if the sequences are not increasing or not above the last
     * @throws RecordTooLargeException if a record is too long
     * @throws StoreClosedException if the log is closed
     * @throws StoreException on an I/O error (the log then fails for good)
     */
    void appendAll(long[] sequences, byte[][] records);

    /** The last sequence in the log (appended, or recovered on open), {@code -1} if empty. */
    long lastSequence();

    /** The first sequence still in the log (after {@link #truncateBefore}), {@code -1} if empty. */
    long firstSequence();

    /**
     * The highest sequence the policy counts as durable: forced under {@code ALWAYS} and
     * {@code everyMillis(n)}, appended under {@code NEVER}. {@code -1} if none.
     */
    long durableSequence();

    /**
     * A future completed when {@code sequence} (appended already or later) is durable as the
     * policy counts it; the way to release an acknowledgement under {@code everyMillis(n)}.
     * Completes at once if it already is. Dependent stages added with non-async methods run on
     * the thread that made the record durable (an appender or {@code converge-store-flush}): keep
     * them short, or use the {@code *Async} methods. Each call returns a new future, so
     * completing or cancelling it affects no other caller.
     *
     * @return a future that completes normally, or exceptionally with {@link StoreClosedException}
     *     if the log closes first (or {@link StoreException} if it fails)
     */
    CompletableFuture<Void> whenDurable(long sequence);

    /**
     * Forces everything appended so far to stable storage, under any policy.
     *
     * @return the new {@link #durableSequence()}
     * @throws StoreClosedException if the log is closed
     * @throws StoreException on an I/O error (the log then fails for good)
     */
    long sync();

    /**
     * Calls {@code consumer} with every record whose sequence is above
     * {@code fromSequenceExclusive}, in order, up to the last record appended before the call.
     * Records were checked on {@link #open open}; they are checked again as they are read. Meant
     * for start-up; it may run concurrently with appends (it does not see them), while
     * {@link #truncateBefore} waits for it.
     *
     * @param fromSequenceExclusive the sequence already covered (by a snapshot), {@code -1} for all
     * @param consumer receives each sequence and a fresh array it may keep; must not call
     *     {@link #truncateBefore} (it would wait forever); its exceptions propagate
     * @return the number of records delivered
     * @throws NullPointerException if {@code consumer} is null
     * @throws StoreClosedException if the log is closed
     * @throws StoreException on an I/O error, or if a record checked on open no longer passes
     *     its CRC (the disk changed under the log)
     */
    long replay(long fromSequenceExclusive, RecordConsumer consumer);

    /**
     * Deletes the segments that hold only records below {@code sequence}: call it with
     * {@code s + 1} once a snapshot covering up to {@code s} is durable. Works on whole segments,
     * so some records below {@code sequence} may stay (replay skips them); the segment being
     * appended to is never deleted. Deletes oldest first and forces the directory, so a crash
     * midway leaves a valid log.
     *
     * @return the number of segment files deleted
     * @throws StoreClosedException if the log is closed
     * @throws StoreException on an I/O error
     */
    int truncateBefore(long sequence);

    /** What {@link #open open} found and dropped. */
    RecoveryReport recovery();

    /**
     * Forces what was appended (under every policy, so a clean shutdown loses nothing), stops the
     * flusher (waiting at most {@link StoreConfig#closeTimeout()}), closes the file and releases
     * the directory lock. Futures from {@link #whenDurable} still pending fail with
     * {@link StoreClosedException}. Idempotent.
     *
     * @throws StoreException if the final force fails (resources are released anyway)
     */
    @Override
    void close();

    /** Receives replayed records. */
    @FunctionalInterface
    interface RecordConsumer {
        /**
         * One record.
         *
         * @param sequence its sequence number
         * @param record   its payload, a fresh array the consumer may keep
         */
        void accept(long sequence, byte[] record);
    }
}
