package io.converge.crdt.protocol;

/** Why the machine started a full-state transfer (a digest offer) to a peer. */
public enum TransferReason {
    /** The peer is new, or a new incarnation: its position is unknown. */
    NEW_PEER,
    /** The peer's position is older than the delta buffer (trimmed or evicted past it). */
    BEHIND_BUFFER,
    /** The peer could not join an interval without a causal gap. */
    NACK,
    /** Both sides were quiet, yet their store digests differed. */
    DIGEST_REPAIR,
    /** A transfer went unanswered for an ack timeout and started again. */
    RESTARTED,
    /** A single buffered delta was too large for one message; the transfer sends it in parts. */
    OVERSIZED_DELTA
}
