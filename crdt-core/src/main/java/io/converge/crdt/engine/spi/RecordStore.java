package io.converge.crdt.engine.spi;

/**
 * Where a replicator keeps its records and snapshots, as bytes: a write-ahead log of numbered
 * records plus an occasional snapshot that covers a prefix of them. The engine encodes and
 * decodes; the store only keeps bytes. {@code io.converge.crdt.store.LocalStore} (files with
 * fsync) is the one a {@code StoreConfig} opens; the simulator keeps a simulated disk.
 *
 * <p>Called from one thread at a time (the engine's blocking executor), never the sync loop.
 */
public interface RecordStore extends AutoCloseable {
    /**
     * Replays what the store holds: the latest snapshot, if any, then every record after it, in
     * sequence order.
     *
     * @return the sequence of the last record (or of the snapshot), -1 if the store is empty
     */
    long recover(SnapshotConsumer snapshot, RecordConsumer records);

    /**
     * Appends records with increasing sequences; when it returns they are as durable as the
     * store promises (its fsync policy).
     */
    void appendAll(long[] sequences, byte[][] records);

    /** Whether the store would like a snapshot now (its log has grown). */
    boolean snapshotDue();

    /** Stores a snapshot covering every record up to {@code covers}. */
    void snapshot(long covers, byte[] state);

    /** Releases the store's files; idempotent. */
    @Override
    void close();

    /** Receives the snapshot. */
    @FunctionalInterface
    interface SnapshotConsumer {
        void accept(long covers, byte[] state);
    }

    /** Receives one record. */
    @FunctionalInterface
    interface RecordConsumer {
        void accept(long sequence, byte[] record);
    }
}
