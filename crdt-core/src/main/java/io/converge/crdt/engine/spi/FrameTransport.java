package io.converge.crdt.engine.spi;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.PeerDownReason;

/**
 * The network under a replicator, as bytes: sends frames to peers and reports frames, peers
 * admitted and peers gone. Everything else (encoding and decoding with the codec limits, the
 * protocol, timers, persistence, ordering) is the engine's; a cluster transport, the in-memory
 * test network and the simulator implement only this.
 *
 * <p>Contract: {@link #send} is called from the engine's sync thread and must never block it (a
 * frame that cannot go out now is queued or dropped: the protocol resends what matters). Frames
 * of one sender must reach the receiver in the order sent, as long as both stay up (transfers
 * rely on it). The transport admits peers: only after {@link FrameReceiver#peerUp} for a peer
 * are its frames delivered, and frames of an older incarnation of a peer are dropped. A frame
 * handed to {@link #send} or to {@link FrameReceiver#received} belongs to the callee: the caller
 * does not touch the array afterwards.
 */
public interface FrameTransport extends AutoCloseable {
    /** Starts delivering to {@code receiver}; called once by the engine before any send. */
    void start(ReplicaId self, FrameReceiver receiver);

    /** Sends {@code frame} to {@code to}, or drops it if {@code to} is unreachable. Never blocks. */
    void send(ReplicaId to, byte[] frame);

    /** Stops sending and delivering; idempotent. Peers see this node go (a crash, unless it said goodbye). */
    @Override
    void close();

    /**
     * The engine's side. Thread-safe and non-blocking: frames are decoded on the calling thread
     * (so call it serially per sender, in arrival order) and handed to the sync thread.
     */
    interface FrameReceiver {
        /** A frame from the admitted peer {@code from} arrived. */
        void received(ReplicaId from, byte[] frame);

        /**
         * {@code peer} is admitted and reachable: first contact, back after a partition, or
         * restarted as a new {@code incarnation}. Repeating it for one incarnation is harmless.
         */
        void peerUp(ReplicaId peer, long incarnation);

        /** {@code peer} went away, for {@code reason}. */
        void peerDown(ReplicaId peer, PeerDownReason reason);
    }
}
