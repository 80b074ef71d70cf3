package io.converge.net;

/**
 * Where a member is in its life, as the cluster's member record says (sync.md §2):
 * {@code JOINING → UP → LEAVING → LEFT}, or {@code DOWN} from any of the first three. The order
 * of the constants is their rank: for one incarnation of a member the record keeps the highest
 * status any node wrote, so statuses only move forward; a restart is a new incarnation and starts
 * again at {@code JOINING}. Whether a member is reachable is not a status but a local, reversible
 * flag ({@link Member#reachable()}).
 */
public enum MemberStatus {
    /** Started; not counted in {@code N} yet. */
    JOINING,
    /** A full member: counted in {@code N}. */
    UP,
    /** Leaving gracefully: flushing what it holds; still counted in {@code N}. */
    LEAVING,
    /** Left gracefully (flushed and said goodbye): no longer counted. */
    LEFT,
    /** Removed by an operator ({@link ClusterNode#down}) or by {@code autoDownAfter}: no longer counted. */
    DOWN;

    /** Whether members in this status count in {@code N} (UP and LEAVING). */
    public boolean counted() {
        return this == UP || this == LEAVING;
    }

    /** Whether this status is final for its incarnation (LEFT, DOWN). */
    public boolean terminal() {
        return this == LEFT || this == DOWN;
    }
}
