package io.converge.crdt.store;

import java.util.Optional;

/**
 * Keeps the latest snapshot of a replica's state on disk, replaced atomically.
 *
 * <p><b>Guarantees.</b> {@link #write} returns only once the new snapshot is durable: it writes a
 * temporary file, forces it, renames it over its final name ({@code ATOMIC_MOVE}) and forces the
 * directory; only then does it delete older snapshots. A crash at any point therefore leaves
 * either the previous snapshot or the new one readable, never a half-written one under a final
 * name. {@link #latest()} returns the newest snapshot whose CRC32C checks out, skipping (and
 * logging) any that do not.
 *
 * <p>File: {@code snapshot-<sequence, 20 digits>.snap} holding magic {@code "CVSN"} (4) ·
 * version 1 (4) · state length (8) · CRC32C over sequence and state (4) · sequence (8) · state.
 *
 * <p><b>Thread-safety.</b> Safe for concurrent use; calls are serialised. One process per
 * directory: the store is normally opened through {@link LocalStore}, whose log holds the
 * directory's lock. Holds no open file between calls, so it needs no closing.
 */
public interface SnapshotStore {

    /**
     * Opens (creating if needed) the store in {@link StoreConfig#snapshotDirectory()} and deletes
     * temporary files a crash left behind.
     *
     * @throws NullPointerException if {@code config} is null
     * @throws StoreException on an I/O error
     */
    static SnapshotStore open(StoreConfig config) {
        return FileSnapshotStore.open(config);
    }

    /**
     * Writes a snapshot atomically and durably, then deletes every other snapshot file, so that
     * it is the one {@link #latest()} returns.
     *
     * @param sequence the last log sequence {@code state} includes (non-negative)
     * @param state    the encoded state, up to about 2 GiB; not kept by the store
     * @throws NullPointerException if {@code state} is null
     * @throws IllegalArgumentException if {@code sequence} is negative
     * @throws StoreException on an I/O error (the previous snapshot is then still in place)
     */
    void write(long sequence, byte[] state);

    /**
     * The newest valid snapshot, or empty if there is none.
     *
     * @throws StoreException on an I/O error other than a corrupt or vanished file
     */
    Optional<Snapshot> latest();
}
