package io.converge.net;

import static io.converge.net.TestCluster.add;
import static io.converge.net.TestCluster.await;
import static io.converge.net.TestCluster.awaitConverged;
import static io.converge.net.TestCluster.since;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.net.TestCluster.Node;
import io.converge.net.admission.ClusterTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS on real TCP over 127.0.0.1: on by default, mutual, by the derived CA or an operator's; rotation; opt-out. */
class TlsClusterTest {
    /** How long a refused node is watched, to see it stays out: a few merge and detection rounds. */
    private static final long STAYS_OUT_MILLIS = 3 * TestCluster.MERGE.toMillis() + TestCluster.FD.toMillis();

    @Test
    void nodesWithTheSameSecretReplicateOverTlsFromTheDerivedCa() throws Exception {
        try (TestCluster c = new TestCluster()) {
            long t0 = System.nanoTime();
            Node a = c.startTcp("a", List.of(), t -> { });
            Node b = c.startTcp("b", c.seeds(), t -> { });
            c.awaitAdmitted(List.of(a, b));
            System.out.printf("[figure] TLS: second node admitted both ways %d ms after the first start%n", since(t0));
            add(a, "x");
            add(b, "y");
            awaitConverged(List.of(a, b), Set.of("x", "y"), 2);

            // What a's port answers: a TLS 1.3 server whose certificate comes from the CA derived
            // from the secret, and which, shown no client certificate, gives nothing.
            X509Certificate ca = ClusterTls.derived(List.of(c.secret.bytes())).trusted().get(0);
            Probe p = probe(a.transport().localAddress().orElseThrow());
            assertEquals("TLSv1.3", p.protocol());
            assertEquals(ca.getSubjectX500Principal(), p.serverChain()[0].getIssuerX500Principal());
            p.serverChain()[0].verify(ca.getPublicKey());
            // TLS 1.3: the client finishes first, then the server's alert for the missing certificate.
            assertTrue(p.readAfterHandshake().contains("bad_certificate"), p.readAfterHandshake());
            assertEquals(0, a.transport().stats().tlsRejectedCertificates());
            assertEquals(0, b.transport().stats().tlsRejectedCertificates());
        }
    }

    /**
     * Three nodes, so that no two watch each other: with two, both FD_SOCK2s connect to each other
     * at about the same time and JGroups' shared NIO server may close one of the two connections
     * for good (seen with and without TLS; FD_ALL3 still detects a crash there, only later).
     */
    @Test
    void failureDetectionSocketsStillConnectUnderTls() {
        try (TestCluster c = new TestCluster()) {
            List<org.jgroups.protocols.FD_SOCK2> fds = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.function.Consumer<JGroupsTransport.Builder> keepFd = t -> t.stackCustomizer(stack -> {
                stack.stream().filter(p -> p instanceof org.jgroups.protocols.FD_SOCK2)
                        .forEach(p -> fds.add((org.jgroups.protocols.FD_SOCK2) p));
                return stack;
            });
            Node a = c.startTcp("a", List.of(), keepFd);
            Node b = c.startTcp("b", c.seeds(), keepFd);
            Node d = c.startTcp("d", c.seeds(), keepFd);
            c.awaitAdmitted(List.of(a, b, d));
            assertEquals(3, fds.size());
            // Each watches the next of the view through its own (plaintext) FD_SOCK2 connection.
            await(() -> fds.stream().allMatch(f -> f.getClientState().equals("CONNECTED")),
                    () -> "FD_SOCK2 connected: " + fds.stream().map(f -> f.getPingDest() + " " + f.getClientState())
                            .toList());
        }
    }

    @Test
    void plaintextBytesToATlsPortGetNoJGroupsTraffic() throws Exception {
        try (TestCluster c = new TestCluster()) {
            Node a = c.startTcp("a", List.of(), t -> { });
            InetSocketAddress at = a.transport().localAddress().orElseThrow();
            try (Socket s = new Socket(at.getAddress(), at.getPort())) {
                s.setSoTimeout(10_000);
                // JGroups' TCP connection preamble ("bela" cookie and version) in clear text.
                s.getOutputStream().write(new byte[] {'b', 'e', 'l', 'a', 0, 5, 5, 7});
                s.getOutputStream().flush();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                try {
                    byte[] buf = new byte[512];
                    for (int n; (n = s.getInputStream().read(buf)) > 0; ) {
                        got.write(buf, 0, n);
                    }
                } catch (IOException e) {
                    // reset by the TLS server: also nothing for us
                }
                byte[] b = got.toByteArray();
                // At most a TLS alert record (content type 21), never a JGroups cookie or message.
                assertTrue(b.length == 0 || b[0] == 21, "answered " + b.length + " bytes, first " + b[0]);
            }
            assertEquals(1, a.transport().stats().viewSize());
        }
    }

    @Test
    void nodeWithAnotherSecretNeverJoinsTheViewNorGetsData() throws Exception {
        try (TestCluster c = new TestCluster()) {
            Node a = c.startTcp("a", List.of(), t -> { });
            Node b = c.startTcp("b", c.seeds(), t -> { });
            c.awaitAdmitted(List.of(a, b));
            long t0 = System.nanoTime();
            Node w = c.startTcp("w", c.seeds(), t -> t.secret(ClusterSecret.random()));
            add(w, "intruder");
            add(a, "x");
            await(() -> w.transport().stats().tlsRejectedCertificates() > 0, () -> "w rejects the cluster's "
                    + "certificates: " + TestCluster.describe(c.nodes));
            System.out.printf("[figure] TLS: other-secret node's handshake failed %d ms after its start%n", since(t0));
            awaitConverged(List.of(a, b), Set.of("x"), 1);
            Thread.sleep(STAYS_OUT_MILLIS);
            for (Node n : List.of(a, b)) {
                TransportStats s = n.transport().stats();
                assertEquals(2, s.viewSize(), "w never in the view: " + s);
                // Refused by TLS before admission could even start.
                assertEquals(0, s.refusals() + s.refusedByPeers(), s.toString());
                assertFalse(n.transport().admittedPeers().contains(w.id()));
            }
            TransportStats ws = w.transport().stats();
            assertEquals(1, ws.viewSize(), ws.toString());
            assertEquals(0, ws.framesIn());
            assertEquals(0, ws.admissions());
            assertEquals(Set.of("intruder"), w.replicator().get(TestCluster.SET).orElseThrow().value());
        }
    }

    @Test
    void operatorCertificatesWorkAndACertificateFromAForeignCaIsRefused(@TempDir Path dir) throws Exception {
        TestPki.Ca ours = TestPki.ca("ours");
        TestPki.Ca foreign = TestPki.ca("foreign");
        TlsCertificates forA = TestPki.node(dir, "a", ours, ours);
        TlsCertificates forB = TestPki.node(dir, "b", ours, ours);
        // Same secret, trusts our CA, but its own certificate is from another CA.
        TlsCertificates forF = TestPki.node(dir, "f", foreign, ours);
        try (TestCluster c = new TestCluster()) {
            Node a = c.startTcp("a", List.of(), t -> t.tls(forA));
            Node b = c.startTcp("b", c.seeds(), t -> t.tls(forB));
            c.awaitAdmitted(List.of(a, b));
            add(a, "x");
            add(b, "y");
            awaitConverged(List.of(a, b), Set.of("x", "y"), 2);
            Probe p = probe(a.transport().localAddress().orElseThrow());
            assertEquals(forA.chain().get(0), p.serverChain()[0]);

            Node f = c.startTcp("f", c.seeds(), t -> t.tls(forF));
            await(() -> a.transport().stats().tlsRejectedCertificates()
                    + b.transport().stats().tlsRejectedCertificates() > 0,
                    () -> "f's certificate rejected: " + TestCluster.describe(c.nodes));
            Thread.sleep(STAYS_OUT_MILLIS);
            assertEquals(2, a.transport().stats().viewSize());
            assertTrue(f.transport().admittedPeers().isEmpty());
            assertFalse(a.transport().admittedPeers().contains(f.id()));
            assertEquals(0, f.transport().stats().framesIn());
        }
    }

    @Test
    void operatorFilesThatDoNotMatchAreRefusedWithoutShowingTheKey(@TempDir Path dir) throws Exception {
        TestPki.Ca ours = TestPki.ca("ours");
        TestPki.node(dir, "a", ours, ours);
        TestPki.node(dir, "b", ours, ours);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsCertificates.fromPem(
                dir.resolve("a.crt"), dir.resolve("b.key"), dir.resolve("a-trusted.pem")));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
        assertFalse(e.getMessage().contains("PRIVATE"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TlsCertificates.fromPem(
                dir.resolve("a.crt"), dir.resolve("a.crt"), dir.resolve("a-trusted.pem")));
        assertThrows(IllegalArgumentException.class, () -> TlsCertificates.fromPem(
                dir.resolve("a.key"), dir.resolve("a.key"), dir.resolve("a-trusted.pem")));
        Files.writeString(dir.resolve("empty.pem"), "");
        assertThrows(IllegalArgumentException.class, () -> TlsCertificates.fromPem(
                dir.resolve("a.crt"), dir.resolve("a.key"), dir.resolve("empty.pem")));
        TlsCertificates ok = TlsCertificates.fromPem(dir.resolve("a.crt"), dir.resolve("a.key"),
                dir.resolve("a-trusted.pem"));
        assertFalse(ok.toString().contains(Files.readString(dir.resolve("a.key")).substring(28, 60)));
    }

    @Test
    void contradictoryTlsSettingsAreRefused(@TempDir Path dir) throws Exception {
        TestPki.Ca ours = TestPki.ca("ours");
        TlsCertificates certs = TestPki.node(dir, "a", ours, ours);
        assertThrows(IllegalStateException.class, () -> JGroupsTransport.builder().tls(certs).insecurePlaintext());
        assertThrows(IllegalStateException.class, () -> JGroupsTransport.builder().insecurePlaintext().tls(certs));
        assertThrows(IllegalStateException.class, () -> JGroupsTransport.builder().tls(certs).tls(certs));
    }

    @Test
    void aStackWhoseTransportIsNotTcpDoesNotStartWithTls() {
        JGroupsTransport t = JGroupsTransport.builder().secret(ClusterSecret.random())
                .bind(java.net.InetAddress.getLoopbackAddress(), 0).stackCustomizer(stack -> {
                    stack.set(0, new org.jgroups.protocols.UDP());
                    return stack;
                }).build();
        JGroupsTransport.TransportStartException e = assertThrows(JGroupsTransport.TransportStartException.class,
                () -> t.start(io.converge.crdt.causal.ReplicaId.of("u"), new NoReceiver()));
        assertTrue(e.getMessage().contains("insecurePlaintext"), e.getMessage());
    }

    private static final class NoReceiver implements io.converge.crdt.engine.spi.FrameTransport.FrameReceiver {
        @Override
        public void received(io.converge.crdt.causal.ReplicaId from, byte[] frame) {
        }

        @Override
        public void peerUp(io.converge.crdt.causal.ReplicaId peer, long incarnation) {
        }

        @Override
        public void peerDown(io.converge.crdt.causal.ReplicaId peer, io.converge.crdt.protocol.PeerDownReason reason) {
        }
    }

    @Test
    void plaintextOptOutReplicatesAndWarnsAtStart() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (TestCluster c = new TestCluster()) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Node a;
            Node b;
            try {
                a = c.startTcp("a", List.of(), t -> t.insecurePlaintext());
                b = c.startTcp("b", c.seeds(), t -> t.insecurePlaintext());
            } finally {
                System.setErr(err);
            }
            c.awaitAdmitted(List.of(a, b));
            add(a, "x");
            add(b, "y");
            awaitConverged(List.of(a, b), Set.of("x", "y"), 2);
            String log = captured.toString(StandardCharsets.UTF_8);
            assertEquals(2, log.split("TLS is off", -1).length - 1, log);
            assertTrue(log.contains("WARN"), log);
            assertFalse(log.contains(java.util.Base64.getEncoder().encodeToString(c.secret.bytes())));
        }
    }

    @Test
    void rollingSecretRotationKeepsEveryStepConnected() {
        try (TestCluster c = new TestCluster()) {
            ClusterSecret old = c.secret;
            ClusterSecret next = ClusterSecret.random();
            // Step 1 everywhere: still proving with the old secret, also accepting the next.
            Node p = c.startTcp("p", List.of(), t -> t.alsoAccept(next));
            Node q = c.startTcp("q", c.seeds(), t -> t.alsoAccept(next));
            c.awaitAdmitted(List.of(p, q));
            // Step 2, one node at a time: the next secret first, still accepting the old one.
            Node r = c.startTcp("r", c.seeds(), t -> t.secret(next).alsoAccept(old));
            c.awaitAdmitted(List.of(p, q, r));
            add(p, "1");
            add(r, "2");
            awaitConverged(List.of(p, q, r), Set.of("1", "2"), 2);
            p.replicator().close();
            q.replicator().close();
            // Step 3: the old secret gone.
            InetSocketAddress rAt = r.transport().localAddress().orElseThrow();
            Node s = c.startTcp("s", List.of(rAt), t -> t.secret(next));
            c.awaitAdmitted(List.of(r, s));
            awaitConverged(List.of(r, s), Set.of("1", "2"), 2);
            // A node left on the old secret alone is out.
            Node stale = c.startTcp("stale", List.of(rAt, s.transport().localAddress().orElseThrow()), t -> { });
            await(() -> stale.transport().stats().tlsRejectedCertificates() > 0,
                    () -> "stale rejects next's CA: " + TestCluster.describe(c.nodes));
            assertTrue(stale.transport().admittedPeers().isEmpty());
            assertFalse(s.transport().admittedPeers().contains(stale.id()));
        }
    }

    /** What a TLS client without a certificate learns from a node's port. */
    record Probe(String protocol, X509Certificate[] serverChain, String readAfterHandshake) {
    }

    /** Connects with TLS 1.3, trusting any server and showing no certificate, then tries to read. */
    static Probe probe(InetSocketAddress at) throws Exception {
        AtomicReference<X509Certificate[]> seen = new AtomicReference<>();
        X509ExtendedTrustManager recordAll = new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
                seen.set(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                seen.set(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen.set(chain);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException();
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(null, new TrustManager[] {recordAll}, new SecureRandom());
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(10_000);
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            s.startHandshake();
            String protocol = s.getSession().getProtocol();
            String read;
            try {
                int b = s.getInputStream().read();
                read = b < 0 ? "refused: closed" : "read " + b;
            } catch (IOException e) {
                read = "refused: " + e;
            }
            return new Probe(protocol, seen.get(), read);
        }
    }
}
