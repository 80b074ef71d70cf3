package io.converge.crdt.store;

import io.converge.crdt.causal.ReplicaId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of a local store: where it lives, when it forces writes, how its log is cut into
 * segments and when a snapshot is due. Built with {@link #builder(Path)}; every setter checks its
 * argument at once and refuses to be called twice, {@link Builder#build()} cross-checks, and each
 * setter's Javadoc names its default.
 *
 * <p>Layout under {@link #directory()}: {@code log/} holds the segments of the {@link DeltaLog}
 * ({@code <first sequence, 20 digits>.log}) and a {@code LOCK} file, {@code snapshots/} the
 * {@link SnapshotStore}'s files ({@code snapshot-<sequence, 20 digits>.snap}), {@code IDENTITY} the
 * replica id the store belongs to (written at the first open with an id, see
 * {@link LocalStore#open(StoreConfig, ReplicaId)}), and {@code quarantine/<time>/} the files a
 * recovery could not use and set aside instead of deleting them (see {@link RecoveryReport}).
 *
 * <p>Immutable and safe to share between threads.
 */
public final class StoreConfig {
    /** Default {@link #segmentBytes()}: 64 MiB. */
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    /** Default {@link #maxRecordBytes()}: 8 MiB. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 8 << 20;
    /** Default {@link #snapshotEveryRecords()}: 100,000. */
    public static final long DEFAULT_SNAPSHOT_EVERY_RECORDS = 100_000;
    /** Default {@link #snapshotEveryBytes()}: 64 MiB. */
    public static final long DEFAULT_SNAPSHOT_EVERY_BYTES = 64L << 20;
    /** Default {@link #closeTimeout()}: 10 seconds. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /** Smallest segment allowed, so tests can force frequent rollovers. */
    static final long MIN_SEGMENT_BYTES = 4096;
    /** Largest segment allowed: positions stay far from {@code int} overflow in readers. */
    static final long MAX_SEGMENT_BYTES = 1L << 30;

    private final Path directory;
    private final FsyncPolicy fsyncPolicy;
    private final long segmentBytes;
    private final int maxRecordBytes;
    private final long snapshotEveryRecords;
    private final long snapshotEveryBytes;
    private final Duration closeTimeout;
    private final ReplicaId recoverAsNewReplica;

    private StoreConfig(Builder b) {
        this.directory = b.directory;
        this.fsyncPolicy = b.fsyncPolicy == null ? FsyncPolicy.ALWAYS : b.fsyncPolicy;
        this.segmentBytes = b.segmentBytes == 0 ? DEFAULT_SEGMENT_BYTES : b.segmentBytes;
        this.maxRecordBytes = b.maxRecordBytes == 0
                ? (int) Math.min(DEFAULT_MAX_RECORD_BYTES, segmentBytes - LogFormat.SEGMENT_HEADER_BYTES - LogFormat.RECORD_HEADER_BYTES)
                : b.maxRecordBytes;
        this.snapshotEveryRecords = b.snapshotEveryRecords == 0 ? DEFAULT_SNAPSHOT_EVERY_RECORDS : b.snapshotEveryRecords;
        this.snapshotEveryBytes = b.snapshotEveryBytes == 0 ? DEFAULT_SNAPSHOT_EVERY_BYTES : b.snapshotEveryBytes;
        this.closeTimeout = b.closeTimeout == null ? DEFAULT_CLOSE_TIMEOUT : b.closeTimeout;
        this.recoverAsNewReplica = b.recoverAsNewReplica;
    }

    /**
     * A builder for a store in {@code directory} (created on open if missing).
     *
     * @throws NullPointerException if {@code directory} is null
     */
    public static Builder builder(Path directory) {
        return new Builder(Objects.requireNonNull(directory, "directory"));
    }

    /** The store's root directory. */
    public Path directory() {
        return directory;
    }

    /** The directory of the log's segments: {@code directory()/log}. */
    public Path logDirectory() {
        return directory.resolve("log");
    }

    /** The directory of the snapshots: {@code directory()/snapshots}. */
    public Path snapshotDirectory() {
        return directory.resolve("snapshots");
    }

    /** When appends are forced to stable storage; see {@link FsyncPolicy} for the loss windows. */
    public FsyncPolicy fsyncPolicy() {
        return fsyncPolicy;
    }

    /** The size at which the log starts a new segment file. */
    public long segmentBytes() {
        return segmentBytes;
    }

    /** The largest record {@link DeltaLog#append} accepts, in bytes. */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** After this many records appended since the last snapshot, {@link LocalStore#snapshotDue()}. */
    public long snapshotEveryRecords() {
        return snapshotEveryRecords;
    }

    /** After this many record bytes appended since the last snapshot, {@link LocalStore#snapshotDue()}. */
    public long snapshotEveryBytes() {
        return snapshotEveryBytes;
    }

    /** How long {@code close()} waits for the flusher thread to stop. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * The new replica id the store is to be recovered as, if the operator asked for it with
     * {@link Builder#recoverAsNewReplica}; empty by default.
     */
    public Optional<ReplicaId> recoverAsNewReplica() {
        return Optional.ofNullable(recoverAsNewReplica);
    }

    @Override
    public String toString() {
        return "StoreConfig{directory=" + directory + ", fsyncPolicy=" + fsyncPolicy + ", segmentBytes=" + segmentBytes
                + ", maxRecordBytes=" + maxRecordBytes + ", snapshotEveryRecords=" + snapshotEveryRecords
                + ", snapshotEveryBytes=" + snapshotEveryBytes + ", closeTimeout=" + closeTimeout
                + (recoverAsNewReplica == null ? "" : ", recoverAsNewReplica=" + recoverAsNewReplica) + "}";
    }

    /**
     * Builds a {@link StoreConfig}. Each setter validates its argument and may be called once.
     * Not safe for concurrent use.
     */
    public static final class Builder {
        private final Path directory;
        private FsyncPolicy fsyncPolicy;
        private long segmentBytes;
        private int maxRecordBytes;
        private long snapshotEveryRecords;
        private long snapshotEveryBytes;
        private Duration closeTimeout;
        private ReplicaId recoverAsNewReplica;

        private Builder(Path directory) {
            this.directory = directory;
        }

        /**
         * When appends are forced. Default {@link FsyncPolicy#ALWAYS}: an acknowledged write
         * survives an OS crash, as the engine's acknowledgements require (crdt.md §5).
         *
         * @throws NullPointerException if {@code policy} is null
         * @throws IllegalStateException if already set
         */
        public Builder fsyncPolicy(FsyncPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            check(fsyncPolicy == null, "fsyncPolicy");
            this.fsyncPolicy = policy;
            return this;
        }

        /**
         * The segment size at which the log rolls over to a new file; only whole segments are
         * deleted by {@link DeltaLog#truncateBefore(long)}. Default 64 MiB; 4 KiB to 1 GiB.
         *
         * @throws IllegalArgumentException if out of range
         * @throws IllegalStateException if already set
         */
        public Builder segmentBytes(long bytes) {
            if (bytes < MIN_SEGMENT_BYTES || bytes > MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("segmentBytes must be " + MIN_SEGMENT_BYTES + ".." + MAX_SEGMENT_BYTES + ": " + bytes);
            }
            check(segmentBytes == 0, "segmentBytes");
            this.segmentBytes = bytes;
            return this;
        }

        /**
         * The largest record accepted. Default 8 MiB (or less, to fit a smaller segment); at least
         * 1 byte, and a record plus its 16-byte header must fit in an empty segment.
         *
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException if already set
         */
        public Builder maxRecordBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxRecordBytes must be positive: " + bytes);
            }
            check(maxRecordBytes == 0, "maxRecordBytes");
            this.maxRecordBytes = bytes;
            return this;
        }

        /**
         * How many records since the last snapshot make one due (bounding what recovery replays).
         * Default 100,000; at least 1.
         *
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException if already set
         */
        public Builder snapshotEveryRecords(long records) {
            if (records < 1) {
                throw new IllegalArgumentException("snapshotEveryRecords must be positive: " + records);
            }
            check(snapshotEveryRecords == 0, "snapshotEveryRecords");
            this.snapshotEveryRecords = records;
            return this;
        }

        /**
         * How many record bytes since the last snapshot make one due. Default 64 MiB; at least 1.
         *
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException if already set
         */
        public Builder snapshotEveryBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("snapshotEveryBytes must be positive: " + bytes);
            }
            check(snapshotEveryBytes == 0, "snapshotEveryBytes");
            this.snapshotEveryBytes = bytes;
            return this;
        }

        /**
         * How long {@code close()} waits for the flusher thread. Default 10 s; 1 ms to 10 minutes.
         *
         * @throws NullPointerException if {@code timeout} is null
         * @throws IllegalArgumentException if out of range
         * @throws IllegalStateException if already set
         */
        public Builder closeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 1 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("closeTimeout must be 1 ms..10 min: " + timeout);
            }
            check(closeTimeout == null, "closeTimeout");
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Opens the store as the new replica {@code newId}, accepting the loss of whatever it
         * cannot read. Without this option (the default) a store that cannot prove a gap-free
         * history refuses to open ({@link StoreGapException}), and one whose identity file names
         * another replica or cannot be read refuses too ({@link StoreIdentityException}): a replica
         * that lost acknowledged writes must not go on minting dots under its old id (crdt.md §2).
         *
         * <p>With it, opening (as {@code newId}: the id given to
         * {@link LocalStore#open(StoreConfig, ReplicaId)} or the replicator must be this one) keeps
         * every snapshot and record it can read, moves what it cannot read to the quarantine
         * directory, and, before anything else changes, records {@code newId} in the identity file
         * together with the holes it accepts; the report ({@link StoreRecoveryReport}) lists them.
         * From then on the replica mints dots only under {@code newId}, which must never have been
         * used by any replica: use {@link ReplicaId#random()}. If the store already belongs to
         * {@code newId} (the option left in place after the recovery), it opens normally and
         * accepts only the holes recorded then; new damage is refused again.
         *
         * @throws NullPointerException if {@code newId} is null
         * @throws IllegalStateException if already set
         */
        public Builder recoverAsNewReplica(ReplicaId newId) {
            Objects.requireNonNull(newId, "newId");
            check(recoverAsNewReplica == null, "recoverAsNewReplica");
            this.recoverAsNewReplica = newId;
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException if {@code maxRecordBytes} plus headers does not fit in
         *     {@code segmentBytes}
         */
        public StoreConfig build() {
            StoreConfig c = new StoreConfig(this);
            long room = c.segmentBytes - LogFormat.SEGMENT_HEADER_BYTES - LogFormat.RECORD_HEADER_BYTES;
            if (c.maxRecordBytes > room) {
                throw new IllegalArgumentException("maxRecordBytes " + c.maxRecordBytes + " does not fit in a segment of "
                        + c.segmentBytes + " bytes (at most " + room + ")");
            }
            return c;
        }

        private static void check(boolean unset, String name) {
            if (!unset) {
                throw new IllegalStateException(name + " was already set");
            }
        }
    }
}
