package io.converge.net;

import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.ReplicaId;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@link ClusterNode} tells its {@link MemberListener}s (and logs at INFO) about the
 * cluster: members moving through their statuses, becoming unreachable and reachable again,
 * partitions healing, nodes refused admission, clocks running ahead, a reused replica id. Like
 * Erlang's {@code net_kernel:monitor_nodes}, but telling unreachable from gone. Immutable values.
 */
public sealed interface MemberEvent {

    /** The members when the listener subscribed: always its first event. */
    record CurrentMembers(List<Member> members) implements MemberEvent {
        /** Copies the list. */
        public CurrentMembers {
            members = List.copyOf(members);
        }
    }

    /** A member (or a new incarnation of one) started and announced itself. */
    record MemberJoined(Member member) implements MemberEvent {
        /** Checks the component. */
        public MemberJoined {
            Objects.requireNonNull(member, "member");
        }
    }

    /** A member is up: it counts in {@code N} from now on. */
    record MemberUp(Member member) implements MemberEvent {
        /** Checks the component. */
        public MemberUp {
            Objects.requireNonNull(member, "member");
        }
    }

    /** A member started to leave gracefully; it still counts in {@code N}. */
    record MemberLeaving(Member member) implements MemberEvent {
        /** Checks the component. */
        public MemberLeaving {
            Objects.requireNonNull(member, "member");
        }
    }

    /** A member left gracefully (it flushed what it held): it no longer counts in {@code N}. */
    record MemberLeft(Member member) implements MemberEvent {
        /** Checks the component. */
        public MemberLeft {
            Objects.requireNonNull(member, "member");
        }
    }

    /** A member was downed (by an operator or {@code autoDownAfter}): it no longer counts in {@code N}. */
    record MemberDown(Member member) implements MemberEvent {
        /** Checks the component. */
        public MemberDown {
            Objects.requireNonNull(member, "member");
        }
    }

    /** This node lost a member (out of the view, suspected, partitioned): it still counts in {@code N}. */
    record MemberUnreachable(Member member) implements MemberEvent {
        /** Checks the component. */
        public MemberUnreachable {
            Objects.requireNonNull(member, "member");
        }
    }

    /** A member this node had lost is admitted again. */
    record MemberReachable(Member member) implements MemberEvent {
        /** Checks the component. */
        public MemberReachable {
            Objects.requireNonNull(member, "member");
        }
    }

    /**
     * Every member this node had lost is reachable again (after a JGroups merge, or one by one).
     *
     * @param returned the members that came back since the first was lost
     */
    record PartitionHealed(Set<ReplicaId> returned) implements MemberEvent {
        /** Copies the set. */
        public PartitionHealed {
            returned = Set.copyOf(returned);
        }
    }

    /**
     * A member of the JGroups view failed admission (wrong or no cluster secret), or refused
     * ours; told once per address while it stays in the view.
     *
     * @param address its JGroups address
     */
    record AdmissionRefused(String address) implements MemberEvent {
        /** Checks the component. */
        public AdmissionRefused {
            Objects.requireNonNull(address, "address");
        }
    }

    /**
     * A local write met a peer's timestamp more than the allowed clock offset ahead of this
     * node's clock (see {@code io.converge.crdt.engine.ReplicatorEvent.ClockSkewDetected}): some
     * node's clock runs ahead. At most one every 10 seconds.
     *
     * @param remote the timestamp refused
     * @param aheadMillis how far ahead of this node's physical clock it was
     * @param maxOffsetMillis the allowed offset
     */
    record ClockSkewDetected(HlcTimestamp remote, long aheadMillis, long maxOffsetMillis) implements MemberEvent {
        /** Checks the component. */
        public ClockSkewDetected {
            Objects.requireNonNull(remote, "remote");
        }
    }

    /**
     * A peer proved that this node's replica id was used before by a replica whose state is lost;
     * local updates now fail: restart the node under a new replica id (a fresh data directory).
     *
     * @param peer the peer whose data proved it
     * @param evidence what the data held
     */
    record ReplicaIdReused(ReplicaId peer, String evidence) implements MemberEvent {
        /** Checks the components. */
        public ReplicaIdReused {
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(evidence, "evidence");
        }
    }
}
