package io.converge.crdt.protocol;

import io.converge.crdt.causal.ReplicaId;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of what a {@link SyncMachine} knows and has done, taken between steps.
 *
 * @param sequence the next sequence number {@code c}
 * @param bufferedDeltas deltas buffered for peers
 * @param keys keys held
 * @param storeDigest digest of the whole store, equal on replicas holding equal states
 * @param peers each known peer, reachable or not, in replica id order
 * @param transfers full-state transfers started, by reason
 * @param droppedFromUnknownPeers messages dropped because their sender was not an admitted,
 *     reachable peer
 * @param bufferedBytes bytes of the buffered deltas, as the machine's {@link ValueSizer} measures
 *     them (bounded by {@link SyncConfig#bufferMaxBytes()})
 * @param assemblyBytes bytes of parts of large keys held for incoming transfers (bounded by
 *     {@link SyncConfig#assemblyMaxBytes()})
 * @param refused what each bound refused so far (see {@link SyncConfig}); every {@link Limit} is
 *     present
 * @param conflictsRefused received deltas and states of one key refused because they hold a dot
 *     or stamp that this replica holds with another payload
 * @param replicaIdReused whether a peer proved that this replica's id was used before by a
 *     replica whose state is lost (local updates are refused from then on)
 */
public record MachineStats(long sequence, int bufferedDeltas, int keys, long storeDigest,
        Map<ReplicaId, PeerStats> peers, Map<TransferReason, Long> transfers, long droppedFromUnknownPeers,
        long bufferedBytes, long assemblyBytes, Map<Limit, Long> refused, long conflictsRefused,
        boolean replicaIdReused) {
    public MachineStats {
        java.util.EnumMap<Limit, Long> all = new java.util.EnumMap<>(Limit.class);
        for (Limit l : Limit.values()) {
            all.put(l, 0L);
        }
        all.putAll(Objects.requireNonNull(refused, "refused"));
        refused = java.util.Collections.unmodifiableMap(all);
        peers = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(peers));
        transfers = java.util.Collections.unmodifiableMap(new java.util.EnumMap<>(Objects.requireNonNull(transfers)));
    }

    /** An empty machine's figures. */
    public static MachineStats empty(long sequence) {
        return new MachineStats(sequence, 0, 0, 0, Map.of(), new java.util.EnumMap<>(TransferReason.class), 0, 0, 0,
                Map.of(), 0, false);
    }

    /** How many times {@code limit} refused something so far. */
    public long refused(Limit limit) {
        return refused.get(limit);
    }

    /**
     * One peer.
     *
     * @param up reachable now
     * @param incarnation the peer's session, as the transport admitted it
     * @param acknowledged the highest position it acknowledged, -1 while unknown
     * @param lag positions it has yet to acknowledge ({@code c − acknowledged}), -1 while unknown
     * @param sendingTransfer a full-state transfer to it is under way
     * @param receivingTransfer a full-state transfer from it is under way
     */
    public record PeerStats(boolean up, long incarnation, long acknowledged, long lag, boolean sendingTransfer,
            boolean receivingTransfer) {
    }
}
