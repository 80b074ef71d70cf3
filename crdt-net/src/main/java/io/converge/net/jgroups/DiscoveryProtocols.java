package io.converge.net.jgroups;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.jgroups.protocols.Discovery;
import org.jgroups.protocols.MPING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.dns.DNS_PING;
import org.jgroups.stack.Protocol;

/**
 * The discovery strategies beyond static seeds (sync.md §3), added to a stack next to its
 * {@code TCPPING}: {@code DNS_PING} over {@link DnsCandidates}, and {@code MPING}. JGroups lets
 * several discovery protocols sit in one stack: the topmost one runs each discovery round in all
 * of them and merges their answers, so seeds, DNS and multicast combine. Every candidate still
 * passes the admission (and TLS) before it is anything more than a JGroups member.
 *
 * @param dnsName the name to ask DNS for, if any
 * @param srv whether {@code dnsName} names SRV records (else A and AAAA)
 * @param dnsServer the DNS server to ask; empty for the system's
 * @param dnsPoll how long a DNS answer is reused
 * @param multicast the {@code MPING} group and port, if any (sent with TTL 1)
 */
public record DiscoveryProtocols(Optional<String> dnsName, boolean srv, Optional<InetSocketAddress> dnsServer,
        Duration dnsPoll, Optional<InetSocketAddress> multicast) {

    /** Only static seeds. */
    public static DiscoveryProtocols none() {
        return new DiscoveryProtocols(Optional.empty(), false, Optional.empty(), Duration.ofSeconds(5),
                Optional.empty());
    }

    /** Whether there is anything to add to the stack. */
    public boolean isEmpty() {
        return dnsName.isEmpty() && multicast.isEmpty();
    }

    /**
     * {@code stack} (bottom first, transport at 0) with the configured protocols added above its
     * last discovery protocol (or right above the transport); {@code MPING} binds where the
     * transport binds.
     */
    public List<Protocol> addTo(List<Protocol> stack) {
        List<Protocol> out = new ArrayList<>(stack);
        int at = 1;
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) instanceof Discovery) {
                at = i + 1;
            }
        }
        List<Protocol> add = new ArrayList<>();
        dnsName.ifPresent(name -> {
            DNS_PING dns = new DNS_PING().dnsQuery(name).dnsRecordType(srv ? "SRV" : "A")
                    .dnsResolver(new DnsCandidates(dnsServer, dnsPoll, System::nanoTime, new SplittableRandom()));
            // Answer discovery with every member this node knows, not only itself: DNS may name
            // only some members (a rolling update, seeds plus DNS), and a joiner must still learn
            // the physical address of the coordinator it is told to join.
            dns.returnEntireCache(true);
            add.add(dns);
        });
        multicast.ifPresent(group -> {
            MPING m = new MPING().setMcastAddr(group.getAddress()).setMcastPort(group.getPort()).setTTL(1);
            InetAddress bind = out.get(0) instanceof TP ? ((TP) out.get(0)).getBindAddr() : null;
            if (bind != null) {
                m.setBindAddr(bind);
            }
            add.add(m);
        });
        out.addAll(at, add);
        return out;
    }
}
