/**
 * Durable local persistence for one replica (crdt.md §5): a write-ahead {@link
 * io.converge.crdt.store.DeltaLog} of encoded deltas, a {@link io.converge.crdt.store.SnapshotStore}
 * of whole states, and {@link io.converge.crdt.store.LocalStore}, which ties them together
 * (append, snapshot, truncate; after a crash, replay the log onto the snapshot).
 *
 * <p><b>Payload-agnostic:</b> records and snapshots are opaque byte arrays; the engine encodes
 * them (a record is a sequence number plus the bytes the engine chooses, typically the key and
 * the encoded delta). This package depends on nothing else in Converge but
 * {@link io.converge.crdt.ConvergeException} and {@link io.converge.crdt.causal.ReplicaId} (a store
 * belongs to one replica), plus SLF4J for recovery events.
 *
 * <p><b>Durability:</b> {@link io.converge.crdt.store.FsyncPolicy} (always, every N ms, never)
 * sets what an OS crash can lose; a process crash loses nothing appended under any policy.
 * Recovery cuts a torn end of the last log segment, moves what it cannot read to
 * {@code quarantine/} (it never deletes such a file), refuses a store that cannot prove a
 * gap-free history ({@link io.converge.crdt.store.StoreGapException}) or belongs to another
 * replica ({@link io.converge.crdt.store.ReplicaIdMismatchException}), and reports what it found
 * ({@link io.converge.crdt.store.StoreRecoveryReport}). A store that must be opened despite lost
 * history becomes a new replica
 * ({@link io.converge.crdt.store.StoreConfig.Builder#recoverAsNewReplica}).
 *
 * <p><b>Threads:</b> all types are safe for concurrent use. The only thread this package starts
 * is the log's daemon flusher {@code converge-store-flush} under {@code everyMillis(n)}; it stops
 * on {@code close()}. I/O happens on the caller's thread: the engine calls the store from its
 * store thread, never from an event loop.
 */
package io.converge.crdt.store;
