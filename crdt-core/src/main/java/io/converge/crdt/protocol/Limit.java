package io.converge.crdt.protocol;

/**
 * A bound of the machine on what a peer can make a node hold or do, named where it refuses
 * something (the engine's inbound queue counts its own drops): in
 * {@link Output.Refusal}s, in the per-bound counts of {@link MachineStats#refused()} and in the
 * engine's events. Each bound is a setting of {@link SyncConfig}, whose Javadoc says what happens
 * at it.
 */
public enum Limit {
    /** {@link SyncConfig#bufferMaxBytes()} or {@link SyncConfig#bufferMaxEntries()}: a peer furthest behind was switched to a transfer. */
    BUFFER,
    /** {@link SyncConfig#maxPartsPerKey()}: a key announced in more parts than allowed; the transfer was dropped. */
    PARTS_PER_KEY,
    /** {@link SyncConfig#assemblyMaxBytesPerTransfer()}: one transfer's parts grew too large; it was dropped. */
    ASSEMBLY_BYTES_PER_TRANSFER,
    /** {@link SyncConfig#assemblyMaxBytes()}: all peers' parts together grew too large; the transfer was dropped. */
    ASSEMBLY_BYTES_TOTAL,
    /** {@link SyncConfig#maxTransfersPerPeerPerMinute()}: a peer asked for transfers too often; ignored. */
    TRANSFERS_PER_MINUTE,
    /** More {@link Message.Request}s for one transfer than it sent offer chunks; ignored. */
    REQUESTS_PER_TRANSFER
}
