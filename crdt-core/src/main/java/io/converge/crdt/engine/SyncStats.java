package io.converge.crdt.engine;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.MachineStats;
import io.converge.crdt.protocol.TransferReason;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of a replicator's replication: its sequence and delta buffer, each
 * peer's acknowledged position and lag, full-state transfers by reason, and what its frame stage
 * carried and refused. Published by the sync loop after every step; reading it never blocks.
 *
 * @param protocol what the protocol machine knows (sequence, buffer, peers, transfers)
 * @param framesIn frames received from admitted peers
 * @param bytesIn their bytes
 * @param framesOut frames handed to the transport
 * @param bytesOut their bytes
 * @param framesRejected received frames that did not decode (malformed, over a limit, unknown
 *     version, type or codec), dropped
 * @param messagesUnencodable messages that could not be encoded (a key without a codec), not sent
 * @param framesFromUnknownPeers frames dropped before decoding because the transport had not
 *     reported their sender up
 * @param inboundDropped frames dropped because the inbound queue was full
 *     ({@link io.converge.crdt.protocol.SyncConfig#inboundMaxBytes()})
 * @param inboundQueuedBytes estimated heap of the frames waiting for the sync loop when the snapshot was
 *     taken, as charged against {@code SyncConfig.inboundMaxBytes}
 * @param stepsFailed steps of the sync loop that threw (each also a {@link ReplicatorEvent.StepFailed})
 * @param namesForgotten key names learned from peers and forgotten because their values were not
 *     kept
 */
public record SyncStats(MachineStats protocol, long framesIn, long bytesIn, long framesOut, long bytesOut,
        long framesRejected, long messagesUnencodable, long framesFromUnknownPeers, long inboundDropped,
        long inboundQueuedBytes, long stepsFailed, long namesForgotten) {
    public SyncStats {
        Objects.requireNonNull(protocol, "protocol");
    }

    /** The next sequence number of this replica's delta buffer. */
    public long sequence() {
        return protocol.sequence();
    }

    /** Digest of the whole store: equal on replicas that hold equal states. */
    public long storeDigest() {
        return protocol.storeDigest();
    }

    /** Each known peer, reachable or not. */
    public Map<ReplicaId, MachineStats.PeerStats> peers() {
        return protocol.peers();
    }

    /** Full-state transfers started, by reason. */
    public Map<TransferReason, Long> transfers() {
        return protocol.transfers();
    }

    /** The position {@code peer} acknowledged, -1 if it is unknown or not a peer. */
    public long acknowledged(ReplicaId peer) {
        MachineStats.PeerStats p = protocol.peers().get(peer);
        return p == null ? -1 : p.acknowledged();
    }
}
