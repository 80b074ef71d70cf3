package io.converge.crdt.protocol;

/** Why a peer went down; it decides what the machine keeps of the peer. */
public enum PeerDownReason {
    /**
     * Out of reach for now (out of the membership view, suspected, partitioned): the peer keeps
     * its acknowledged position and still pins the deltas it lacks, so a heal resumes from there
     * with no full-state offer when nothing was lost.
     */
    UNREACHABLE,
    /** Said goodbye: it flushed what it had and left; released at once. */
    LEFT,
    /** Removed by an operator or crashed for good: released at once. */
    REMOVED
}
