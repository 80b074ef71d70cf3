package io.converge.net.http;

import io.converge.net.ClusterNode;
import io.converge.net.Member;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jgroups.Address;
import org.jgroups.protocols.DISCARD;
import org.jgroups.util.NameCache;

/**
 * Fault injection through a JGroups {@code DISCARD} in the node's stack: dropping a member makes
 * this node discard every message from it and every unicast to it, so both sides soon find each
 * other unreachable (the one side by its failure detector, the other because its messages go
 * unanswered). A member is found by name, replica id or record address; its JGroups addresses are
 * those whose logical name is its replica id (the transport names its channel so), every
 * incarnation's included.
 *
 * <p>Thread-safe (calls are serialized). For tests and demos only: {@code crdt-node run} adds it
 * only with {@code --fault-injection}.
 */
final class DiscardFaults implements NodeBackend.FaultInjection {
    private final ClusterNode node;
    private final DISCARD discard;

    DiscardFaults(ClusterNode node, DISCARD discard) {
        this.node = Objects.requireNonNull(node, "node");
        this.discard = Objects.requireNonNull(discard, "discard");
    }

    @Override
    public synchronized List<String> drop(List<String> members) {
        List<Member> known = node.members();
        Set<Member> chosen = new LinkedHashSet<>();
        for (String s : members) {
            Member m = known.stream().filter(x -> x.name().equals(s) || x.id().name().equals(s) || x.address().equals(s))
                    .findFirst().orElseThrow(() -> new IllegalArgumentException("no member named '" + s + "'"));
            if (m.id().equals(node.self())) {
                throw new IllegalArgumentException("'" + s + "' is this node");
            }
            chosen.add(m);
        }
        List<Address> addresses = new ArrayList<>();
        for (Member m : chosen) {
            int before = addresses.size();
            for (Map.Entry<Address, String> e : NameCache.getContents().entrySet()) {
                if (e.getValue().equals(m.id().name())) {
                    addresses.add(e.getKey());
                }
            }
            if (addresses.size() == before) {
                throw new IllegalArgumentException("member '" + m.name() + "' has no JGroups address known here");
            }
        }
        discard.resetIgnoredMembers();
        discard.addIgnoredMembers(addresses.toArray(Address[]::new));
        List<String> out = new ArrayList<>();
        chosen.forEach(m -> out.add(m.name()));
        return out;
    }
}
