package io.converge.net.jgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.net.Dnsmasq;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jgroups.Address;
import org.jgroups.protocols.dns.DNSResolver.DNSRecordType;
import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DnsCandidates} against a real DNS server (dnsmasq on a free port of 127.0.0.1). */
class DnsCandidatesTest {
    @TempDir
    static Path dir;
    static Dnsmasq dns;

    @BeforeAll
    static void startDns() throws Exception {
        dns = Dnsmasq.start(dir);
        List<String> lines = new ArrayList<>(List.of("127.0.0.5 both.converge.test", "::1 both.converge.test",
                "127.0.0.6 one.converge.test", "127.0.0.7 two.converge.test"));
        for (int i = 0; i < 300; i++) {
            lines.add("127.1." + (i / 200) + "." + (i % 200 + 1) + " many.converge.test");
        }
        dns.hosts(lines, "many.converge.test");
    }

    @AfterAll
    static void stopDns() throws Exception {
        if (dns != null) {
            dns.close();
        }
    }

    private static DnsCandidates resolver(Optional<InetSocketAddress> server, AtomicLong clock) {
        return new DnsCandidates(server, Duration.ofSeconds(1), clock::get, new SplittableRandom(7));
    }

    private static Set<String> hosts(List<Address> as) {
        return as.stream().map(a -> ((IpAddress) a).getIpAddress().getHostAddress() + "/" + ((IpAddress) a).getPort())
                .collect(Collectors.toSet());
    }

    @Test
    void addressQueryGivesARecordsAndAaaaRecordsOnPortZero() {
        try (DnsCandidates r = resolver(Optional.of(dns.address()), new AtomicLong())) {
            assertEquals(Set.of("127.0.0.5/0", "0:0:0:0:0:0:0:1/0"), hosts(r.resolveIps("both.converge.test",
                    DNSRecordType.A)));
            assertEquals(Set.of("0:0:0:0:0:0:0:1/0"), hosts(r.resolveIps("both.converge.test", DNSRecordType.AAAA)));
        }
    }

    @Test
    void srvQueryResolvesEachTargetAtTheSameServerOnTheRecordsPort(@TempDir Path srvDir) throws Exception {
        // Targets exist only in this server: the system's resolver could not find them.
        try (Dnsmasq srv = Dnsmasq.start(srvDir)) {
            srv.hosts(List.of("127.0.0.6 one.converge.test", "127.0.0.7 two.converge.test"), "one.converge.test");
            srv.srv(List.of("_converge._tcp.svc.converge.test,one.converge.test,7801",
                    "_converge._tcp.svc.converge.test,two.converge.test,7802"), "_converge._tcp.svc.converge.test");
            try (DnsCandidates r = resolver(Optional.of(srv.address()), new AtomicLong())) {
                assertEquals(Set.of("127.0.0.6/7801", "127.0.0.7/7802"),
                        hosts(r.resolveIps("_converge._tcp.svc.converge.test", DNSRecordType.SRV)));
            }
        }
    }

    @Test
    void largeAnswerIsCutTo256RandomCandidatesPerPoll() {
        AtomicLong clock = new AtomicLong();
        try (DnsCandidates r = resolver(Optional.of(dns.address()), clock)) {
            List<Address> first = r.resolveIps("many.converge.test", DNSRecordType.A);
            assertEquals(DnsCandidates.MAX_CANDIDATES, first.size());
            assertEquals(DnsCandidates.MAX_CANDIDATES, new HashSet<>(first).size());
            assertTrue(hosts(first).stream().allMatch(h -> h.startsWith("127.1.")), hosts(first).toString());
            assertEquals(1, r.truncated());
            clock.addAndGet(Duration.ofSeconds(2).toNanos());
            List<Address> second = r.resolveIps("many.converge.test", DNSRecordType.A);
            assertEquals(DnsCandidates.MAX_CANDIDATES, second.size());
            assertEquals(2, r.truncated());
            // 300 addresses, 256 each time: two samples of one seeded generator differ.
            assertTrue(!new HashSet<>(first).equals(new HashSet<>(second)));
        }
    }

    @Test
    void answerIsReusedWithinThePollInterval() {
        AtomicLong clock = new AtomicLong();
        try (DnsCandidates r = resolver(Optional.of(dns.address()), clock)) {
            r.resolveIps("one.converge.test", DNSRecordType.A);
            clock.addAndGet(Duration.ofMillis(900).toNanos());
            assertEquals(Set.of("127.0.0.6/0"), hosts(r.resolveIps("one.converge.test", DNSRecordType.A)));
            assertEquals(1, r.queries());
            clock.addAndGet(Duration.ofMillis(200).toNanos());
            r.resolveIps("one.converge.test", DNSRecordType.A);
            assertEquals(2, r.queries());
            r.resolveIps("two.converge.test", DNSRecordType.A); // another question is never answered from the last
            assertEquals(3, r.queries());
        }
    }

    @Test
    void unknownNameIsAnEmptyAnswerNotAFailure() {
        try (DnsCandidates r = resolver(Optional.of(dns.address()), new AtomicLong())) {
            assertEquals(List.of(), r.resolveIps("absent.converge.test", DNSRecordType.A));
            assertEquals(List.of(), r.resolveIps("_x._tcp.absent.converge.test", DNSRecordType.SRV));
            assertEquals(0, r.failures());
        }
    }

    @Test
    void silentServerGivesNoCandidatesWithinItsTimeoutAndIsCounted() throws Exception {
        InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
        try (DnsCandidates r = resolver(Optional.of(nobody), new AtomicLong())) {
            long t0 = System.nanoTime();
            assertEquals(List.of(), r.resolveIps("one.converge.test", DNSRecordType.A));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(1, r.failures());
            assertTrue(ms < 5_000, "took " + ms + " ms");
        }
    }

    private static int freePort() throws Exception {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
