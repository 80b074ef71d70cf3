package io.converge.net;

/**
 * A snapshot of a {@link JGroupsTransport}'s counters since it started. Immutable.
 *
 * @param viewSize members in the current JGroups view, this node included
 * @param admittedPeers peers admitted now
 * @param admissions admissions completed (an incarnation back after a partition counts again)
 * @param refusals handshakes this node refused (bad MAC, own id, older incarnation, malformed)
 * @param refusedByPeers handshakes a peer refused
 * @param droppedUnadmitted frames from a member not admitted (or outside the view) dropped
 * @param droppedStale frames from an older incarnation of an admitted replica dropped
 * @param droppedOversize pre-admission frames above 4 KiB dropped
 * @param droppedRateLimited admission frames over an address's rate dropped
 * @param malformed frames that could not be decoded (empty, bad admission frame)
 * @param framesIn sync frames handed to the engine
 * @param framesOut frames (sync and admission) handed to JGroups
 * @param droppedOutbound frames dropped on the way out: peer not admitted, queue full, send failed
 * @param tlsRejectedCertificates peer certificates this node's TLS rejected (not from a trusted CA,
 *        expired); handshakes failing before a certificate is seen (plaintext, none shown) are not
 *        counted, JGroups only logs them. 0 without TLS
 */
public record TransportStats(int viewSize, int admittedPeers, long admissions, long refusals, long refusedByPeers,
        long droppedUnadmitted, long droppedStale, long droppedOversize, long droppedRateLimited, long malformed,
        long framesIn, long framesOut, long droppedOutbound, long tlsRejectedCertificates) {
}
