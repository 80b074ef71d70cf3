package io.converge.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jgroups.protocols.MPING;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.dns.DNS_PING;
import org.jgroups.stack.Protocol;
import org.junit.jupiter.api.Test;

/**
 * The Java snippets of docs/discovery.md, compiled and run here: each builds its transport (not
 * started: the addresses are examples) and the test checks the discovery protocols it stacks.
 * Every ```java block of the page must appear in this file, line for line.
 */
class DiscoverySnippetsTest {
    private final ClusterSecret secret = ClusterSecret.random();
    /** Stands for the pod's IP (downward API) and Fly.io's 6PN address, which a test host lacks. */
    private final InetAddress podIp = InetAddress.getLoopbackAddress();
    private final InetAddress sixPn = InetAddress.getLoopbackAddress();

    @Test
    void pageSnippetsAreTheseTests() throws IOException {
        assertEquals(7, DocPages.assertJavaBlocksIn("discovery.md", DiscoverySnippetsTest.class), "Java blocks in docs/discovery.md");
    }


    private static List<String> discovery(JGroupsTransport t) {
        List<String> names = new ArrayList<>();
        for (Protocol p : t.protocols()) {
            if (p instanceof org.jgroups.protocols.Discovery) {
                names.add(p.getClass().getSimpleName());
            }
        }
        return names;
    }

    private static <T extends Protocol> T find(JGroupsTransport t, Class<T> type) {
        return t.protocols().stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    @Test
    void staticSeeds() throws Exception {
        JGroupsTransport transport = JGroupsTransport.builder()
                .clusterName("carts").secret(secret)
                .bind(InetAddress.getByName("10.0.0.5"), 7800)
                .seeds("10.0.0.5:7800,10.0.0.6:7800,10.0.0.7:7800")
                .build();
        assertEquals(List.of("TCPPING"), discovery(transport));
        assertEquals(3, find(transport, TCPPING.class).getInitialHosts().size());
    }

    @Test
    void dnsWithItsOwnServer() throws Exception {
        JGroupsTransport transport = JGroupsTransport.builder()
                .clusterName("carts").secret(secret)
                .bind(InetAddress.getByName("10.0.0.5"), 7800)
                .dns("carts.example.internal")
                .dnsServer(new InetSocketAddress(InetAddress.getByName("10.0.0.2"), 53))
                .dnsPollInterval(Duration.ofSeconds(10))
                .build();
        assertEquals(List.of("TCPPING", "DNS_PING"), discovery(transport));
        assertEquals("carts.example.internal", find(transport, DNS_PING.class).dnsQuery());
        assertEquals("A", find(transport, DNS_PING.class).dnsRecordType());
    }

    @Test
    void kubernetesARecords() throws Exception {
        JGroupsTransport transport = JGroupsTransport.builder()
                .clusterName("carts").secret(secret)
                .bind(podIp, 7800)
                .dns("converge.shop.svc.cluster.local")
                .build();
        assertEquals("converge.shop.svc.cluster.local", find(transport, DNS_PING.class).dnsQuery());
    }

    @Test
    void kubernetesSrvRecords() throws Exception {
        JGroupsTransport transport = JGroupsTransport.builder()
                .clusterName("carts").secret(secret)
                .bind(podIp, 7800)
                .dnsSrv("_converge._tcp.converge.shop.svc.cluster.local")
                .build();
        assertEquals("SRV", find(transport, DNS_PING.class).dnsRecordType());
    }

    @Test
    void flyIo() throws Exception {
        JGroupsTransport transport = JGroupsTransport.builder()
                .clusterName("carts").secret(secret)
                .bind(sixPn, 7800)
                .dns("my-app.internal")
                .build();
        assertEquals("my-app.internal", find(transport, DNS_PING.class).dnsQuery());
    }

    @Test
    void multicast() throws Exception {
        JGroupsTransport transport = JGroupsTransport.builder()
                .clusterName("carts").secret(secret)
                .bind(InetAddress.getByName("192.168.1.20"), 7800)
                .multicast(InetAddress.getByName("239.255.7.80"), 45588)
                .build();
        MPING mping = find(transport, MPING.class);
        assertEquals(1, mping.getTTL());
        assertEquals(InetAddress.getByName("239.255.7.80"), mping.getMcastAddr());
        assertEquals(45588, mping.getMcastPort());
        assertEquals(InetAddress.getByName("192.168.1.20"), mping.getBindAddr());
    }

    @Test
    void strategiesCombine() throws Exception {
        JGroupsTransport transport = JGroupsTransport.builder()
                .clusterName("carts").secret(secret)
                .bind(InetAddress.getByName("10.0.0.5"), 7800)
                .seeds("10.0.0.5:7800")
                .dns("carts.example.internal")
                .multicast(InetAddress.getByName("239.255.7.80"), 45588)
                .build();
        // Adjacent, above the transport: the topmost runs every round in all of them.
        List<String> stack = transport.protocols().stream().map(p -> p.getClass().getSimpleName()).toList();
        assertEquals(List.of("TCP", "TCPPING", "DNS_PING", "MPING", "MERGE3"), stack.subList(0, 5));
    }

    @Test
    void badDiscoverySettingsAreRefusedAndChangeNothing() throws Exception {
        JGroupsTransport.Builder b = JGroupsTransport.builder().secret(secret);
        assertThrows(IllegalArgumentException.class, () -> b.dns("not a name"));
        assertThrows(IllegalArgumentException.class, () -> b.dns("a..b"));
        assertThrows(IllegalArgumentException.class, () -> b.multicast(InetAddress.getByName("224.0.0.1"), 5));
        assertThrows(IllegalArgumentException.class, () -> b.multicast(InetAddress.getByName("10.0.0.1"), 5));
        assertThrows(IllegalArgumentException.class, () -> b.multicast(InetAddress.getByName("ff0e::1"), 5));
        assertThrows(IllegalArgumentException.class, () -> b.multicast(InetAddress.getByName("239.255.0.1"), 0));
        assertThrows(IllegalArgumentException.class, () -> b.dnsServer(InetSocketAddress.createUnresolved("x", 53)));
        assertThrows(IllegalArgumentException.class, () -> b.dnsPollInterval(Duration.ofMillis(10)));
        assertEquals(List.of("TCPPING"), discovery(b.build()));
        b.dns("nodes.example");
        assertThrows(IllegalStateException.class, () -> b.dnsSrv("_x._tcp.nodes.example"));
        assertEquals("A", find(b.build(), DNS_PING.class).dnsRecordType());
        assertThrows(IllegalStateException.class, () -> b.inJvm().build());
    }
}
