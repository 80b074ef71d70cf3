package io.converge.net;

import static io.converge.net.TestCluster.add;
import static io.converge.net.TestCluster.await;
import static io.converge.net.TestCluster.awaitConverged;
import static io.converge.net.TestCluster.since;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.net.TestCluster.Node;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jgroups.Address;
import org.jgroups.protocols.dns.DNSResolver;
import org.jgroups.protocols.dns.DNS_PING;
import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes on real TCP that find each other only through DNS records served by a real DNS server
 * (dnsmasq on 127.0.0.1, see {@link Dnsmasq}); the test changes the records to grow and shrink
 * the cluster. Skipped, with a message, where dnsmasq is absent.
 */
class DnsDiscoveryTest {
    private static final String NAME = "nodes.converge.test";
    private static final String SRV = "_converge._tcp.svc.converge.test";
    private static final Duration POLL = Duration.ofMillis(200);

    @TempDir
    static Path dir;
    static Dnsmasq dns;

    @BeforeAll
    static void startDns() throws Exception {
        dns = Dnsmasq.start(dir);
    }

    @AfterAll
    static void stopDns() throws Exception {
        if (dns != null) {
            dns.close();
        }
    }

    /** The DNS_PING of each node, taken from its stack, to read what DNS answers it. */
    private final Map<String, DNS_PING> pings = new ConcurrentHashMap<>();

    private Node start(TestCluster c, String id, InetAddress bind, int port, boolean srv) {
        return c.startTcp(id, b -> {
            b.bind(bind, port).dnsServer(dns.address()).dnsPollInterval(POLL);
            if (srv) {
                b.dnsSrv(SRV);
            } else {
                b.dns(NAME);
            }
            b.stackCustomizer(stack -> { // replaces TestCluster's DISCARD, unused here
                stack.stream().filter(p -> p instanceof DNS_PING).findFirst().ifPresent(p -> pings.put(id,
                        (DNS_PING) p));
                return stack;
            });
        });
    }

    private Set<String> answer(String id, DNSResolver.DNSRecordType type, String name) {
        Set<String> out = new TreeSet<>();
        for (Address a : pings.get(id).dnsResolver().resolveIps(name, type)) {
            out.add(((IpAddress) a).getIpAddress().getHostAddress());
        }
        return out;
    }

    @Test
    void nodesNamedInDnsJoinAsTheRecordsGrowAndTheClusterShrinksWithThem() throws Exception {
        InetAddress a1 = InetAddress.getByName("127.0.0.1");
        InetAddress a2 = InetAddress.getByName("127.0.0.2");
        InetAddress a3 = InetAddress.getByName("127.0.0.3");
        Assumptions.assumeTrue(bindable(a2) && bindable(a3), "127.0.0.2 and 127.0.0.3 cannot be bound here (only"
                + " Linux routes all of 127.0.0.0/8 to loopback): A-record test skipped");
        int port = portFreeOn(a1, a2, a3); // A records carry no port: every node binds the same one
        try (TestCluster c = new TestCluster()) {
            dns.hosts(List.of("127.0.0.1 " + NAME), NAME);
            Node a = start(c, "a", a1, port, false);
            dns.hosts(List.of("127.0.0.1 " + NAME, "127.0.0.2 " + NAME), NAME);
            long t0 = System.nanoTime();
            Node b = start(c, "b", a2, port, false);
            c.awaitAdmitted(List.of(a, b));
            System.out.printf("[figure] DNS A: second node found by DNS and admitted both ways %d ms after its"
                    + " start%n", since(t0));
            add(a, "x");
            awaitConverged(List.of(a, b), Set.of("x"), 1);

            // Grow: a third address appears in DNS, and the node there joins.
            dns.hosts(List.of("127.0.0.1 " + NAME, "127.0.0.2 " + NAME, "127.0.0.3 " + NAME), NAME);
            long t1 = System.nanoTime();
            Node d = start(c, "d", a3, port, false);
            List<Node> all = List.of(a, b, d);
            c.awaitAdmitted(all);
            System.out.printf("[figure] DNS A: third node admitted by all %d ms after its start%n", since(t1));
            add(d, "y");
            awaitConverged(all, Set.of("x", "y"), 2);
            await(() -> answer("a", DNSResolver.DNSRecordType.A, NAME).size() == 3, () -> "a's DNS answer has d");

            // Shrink: d's record goes and d stops; the others see it gone and carry on.
            dns.hosts(List.of("127.0.0.1 " + NAME, "127.0.0.2 " + NAME), NAME);
            d.replicator().close();
            await(() -> !a.transport().admittedPeers().contains(d.id()) && !b.transport().admittedPeers()
                    .contains(d.id()), () -> "d gone: " + TestCluster.describe(List.of(a, b)));
            await(() -> answer("a", DNSResolver.DNSRecordType.A, NAME).equals(Set.of("127.0.0.1", "127.0.0.2")),
                    () -> "a's DNS answer without d: " + answer("a", DNSResolver.DNSRecordType.A, NAME));
            add(b, "z");
            awaitConverged(List.of(a, b), Set.of("x", "y", "z"), 3);
        }
    }

    @Test
    void runningNodesFindEachOtherOnceTheirSrvRecordsAppear() throws Exception {
        try (TestCluster c = new TestCluster()) {
            dns.srv(List.of(), SRV);
            // Both start while DNS names nobody: each is a cluster of one.
            Node a = start(c, "a", InetAddress.getLoopbackAddress(), 0, true);
            Node b = start(c, "b", InetAddress.getLoopbackAddress(), 0, true);
            add(a, "x");
            add(b, "y");
            assertEquals(1, a.transport().stats().viewSize());
            int pa = a.transport().localAddress().orElseThrow().getPort();
            int pb = b.transport().localAddress().orElseThrow().getPort();
            // Now both appear, each on its own port; the polls (MERGE3 rounds) find them and merge.
            dns.hosts(List.of("127.0.0.1 host-a.converge.test", "127.0.0.1 host-b.converge.test"),
                    "host-a.converge.test");
            long t0 = System.nanoTime();
            dns.srv(List.of(SRV + ",host-a.converge.test," + pa, SRV + ",host-b.converge.test," + pb), SRV);
            c.awaitAdmitted(List.of(a, b));
            System.out.printf("[figure] DNS SRV: two running singletons merged %d ms after their records appeared"
                    + " (merge interval %s, poll %s)%n", since(t0), TestCluster.MERGE, POLL);
            awaitConverged(List.of(a, b), Set.of("x", "y"), 2);
            assertEquals(Set.of("127.0.0.1"), answer("a", DNSResolver.DNSRecordType.SRV, SRV));
        }
    }

    @Test
    void seedsAndDnsCombine() throws Exception {
        try (TestCluster c = new TestCluster()) {
            dns.srv(List.of(), SRV);
            Node a = start(c, "a", InetAddress.getLoopbackAddress(), 0, true);
            // b knows a only as a static seed (TCPPING, under DNS_PING in its stack), DNS names nobody.
            Node b = c.startTcp("b", t -> t.bind(InetAddress.getLoopbackAddress(), 0).seeds(c.seeds())
                    .dnsSrv(SRV).dnsServer(dns.address()).dnsPollInterval(POLL));
            c.awaitAdmitted(List.of(a, b));
            // d has no seeds: DNS names b only, and d joins the cluster through it.
            int pb = b.transport().localAddress().orElseThrow().getPort();
            dns.hosts(List.of("127.0.0.1 host-b.converge.test"), "host-b.converge.test");
            dns.srv(List.of(SRV + ",host-b.converge.test," + pb), SRV);
            Node d = start(c, "d", InetAddress.getLoopbackAddress(), 0, true);
            List<Node> all = List.of(a, b, d);
            c.awaitAdmitted(all);
            add(d, "from-d");
            awaitConverged(all, Set.of("from-d"), 1);
        }
    }

    private static boolean bindable(InetAddress a) {
        try {
            new ServerSocket(0, 1, a).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A TCP port free now on each of {@code addresses}. */
    static int portFreeOn(InetAddress... addresses) throws IOException {
        for (int i = 0; i < 50; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, addresses[0])) {
                port = s.getLocalPort();
            }
            List<ServerSocket> held = new ArrayList<>();
            boolean free = true;
            try {
                for (InetAddress a : addresses) {
                    try {
                        held.add(new ServerSocket(port, 1, a));
                    } catch (IOException e) {
                        free = false;
                        break;
                    }
                }
            } finally {
                for (ServerSocket s : held) {
                    s.close();
                }
            }
            if (free) {
                return port;
            }
        }
        throw new IOException("no port free on all of " + List.of(addresses));
    }
}
