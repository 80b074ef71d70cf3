package io.converge.net;

/**
 * Receives {@link MemberEvent}s of a {@link ClusterNode}: first a {@link MemberEvent.CurrentMembers}
 * snapshot, then every event in the order the node saw it. Runs on the node's member-listener
 * thread ({@code converge-members-listener-<replica>}), never on JGroups' or the sync thread; keep
 * it quick (events past a bounded queue of 4,096 are dropped, counted and logged). An exception
 * thrown here is logged and the listener keeps receiving.
 */
@FunctionalInterface
public interface MemberListener {
    /** One event. */
    void onEvent(MemberEvent event);
}
