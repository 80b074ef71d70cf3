package io.converge.crdt.store;

import io.converge.crdt.causal.ReplicaId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What opening a {@link LocalStore} found and did: whose store it is, which snapshot it starts
 * from, what the log's recovery found ({@link #log()}), what was damaged and set aside, and
 * whether the store was taken over by a new replica. Returned by {@link LocalStore#recovery()} and,
 * for a replicator with a store, by {@code Replicator.recovery()} and the
 * {@code ReplicatorEvent.Recovered} event, so an operator sees it without a logging binding.
 *
 * <p>An open that returns a report has proved a gap-free history (or accepted the holes listed in
 * {@link #acceptedGaps()} because the store was recovered as a new replica); otherwise
 * {@link LocalStore#open} throws {@link StoreGapException} or {@link StoreIdentityException} and
 * changes nothing on disk.
 *
 * <p>Immutable.
 *
 * @param directory         the store's directory
 * @param replicaId         the replica the store belongs to now (empty only for a store opened
 *     without an id whose directory names none)
 * @param previousReplicaId the replica the store belonged to before this open made it a new one
 *     (empty if it did not, or if the old identity file could not be read)
 * @param recoveredAsNewReplica whether this open switched the store to a new replica id
 *     ({@link StoreConfig.Builder#recoverAsNewReplica})
 * @param identityCreated   whether this open wrote the identity file for the first time
 * @param snapshotSequence  the sequence of the snapshot recovery starts from, {@code -1} if none
 * @param snapshotDamages   snapshot files that could not be read (each also in {@link #quarantined()})
 * @param log               what the log's recovery found
 * @param quarantined       every file set aside, log, snapshots and identity together
 * @param acceptedGaps      holes in the history accepted by this open because it recovered the store
 *     as a new replica; empty otherwise
 * @param elapsed           how long opening took
 */
public record StoreRecoveryReport(Path directory, Optional<ReplicaId> replicaId, Optional<ReplicaId> previousReplicaId,
        boolean recoveredAsNewReplica, boolean identityCreated, long snapshotSequence,
        List<RecoveryReport.Damage> snapshotDamages, RecoveryReport log, List<RecoveryReport.Quarantined> quarantined,
        List<RecoveryReport.Gap> acceptedGaps, Duration elapsed) {

    /**
     * Checks the components and copies the lists.
     *
     * @throws NullPointerException if any reference, list or element is null
     */
    public StoreRecoveryReport {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(replicaId, "replicaId");
        Objects.requireNonNull(previousReplicaId, "previousReplicaId");
        snapshotDamages = List.copyOf(snapshotDamages);
        Objects.requireNonNull(log, "log");
        quarantined = List.copyOf(quarantined);
        acceptedGaps = List.copyOf(acceptedGaps);
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /**
     * Whether the store was intact and kept its replica: no damage, nothing dropped, set aside or
     * accepted as lost, no new replica id. A first open that only created the identity file is clean.
     */
    public boolean clean() {
        return log.clean() && snapshotDamages.isEmpty() && quarantined.isEmpty() && acceptedGaps.isEmpty()
                && !recoveredAsNewReplica;
    }

    /** Every damage found: the snapshots' and the log's. */
    public List<RecoveryReport.Damage> damages() {
        if (snapshotDamages.isEmpty()) {
            return log.damages();
        }
        java.util.ArrayList<RecoveryReport.Damage> all = new java.util.ArrayList<>(snapshotDamages);
        all.addAll(log.damages());
        return List.copyOf(all);
    }

    /** One line for a log or an operator's console. */
    public String summary() {
        StringBuilder b = new StringBuilder("store ").append(directory);
        replicaId.ifPresent(id -> b.append(" of replica ").append(id));
        if (recoveredAsNewReplica) {
            b.append(" (recovered as a new replica").append(previousReplicaId.map(p -> ", was " + p).orElse("")).append(')');
        }
        b.append(": snapshot ").append(snapshotSequence).append(", ").append(log.records()).append(" log records up to ")
                .append(log.lastSequence());
        if (clean()) {
            return b.append(", clean").toString();
        }
        damages().forEach(d -> b.append("; ").append(d.reason()).append(" in ").append(d.segment().getFileName())
                .append(" at ").append(d.offset()).append(": ").append(d.detail()));
        if (log.droppedBytes() > 0) {
            b.append("; dropped ").append(log.droppedBytes()).append(" log bytes (").append(log.droppedSegments())
                    .append(" segment file(s))");
        }
        quarantined.forEach(q -> b.append("; set aside ").append(q.original().getFileName()).append(" as ")
                .append(q.quarantined()));
        acceptedGaps.forEach(g -> b.append("; accepted lost ").append(g));
        return b.toString();
    }
}
