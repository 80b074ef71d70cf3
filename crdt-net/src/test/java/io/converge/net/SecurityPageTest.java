package io.converge.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java snippets of docs/security.md, compiled and run here. */
class SecurityPageTest {
    @Test
    void pageSnippetsAreTheseTests() throws IOException {
        assertEquals(4, DocPages.assertJavaBlocksIn("security.md", SecurityPageTest.class), "Java snippets on the page");
    }

    @Test
    void defaultsReplicateOverTls(@TempDir Path tmp) throws Exception {
        Path secretFile = tmp.resolve("secret");
        Files.writeString(secretFile, Base64.getEncoder().encodeToString(ClusterSecret.random().bytes()));
        String seeds = "";
        List<Replicator> nodes = new ArrayList<>();
        try {
            for (String id : List.of("a", "b")) {
                JGroupsTransport transport = JGroupsTransport.builder()
                        .clusterName("carts")
                        .secret(ClusterSecret.fromFile(secretFile))
                        .bind(InetAddress.getLoopbackAddress(), 0)
                        .seeds(seeds)
                        .build();
                nodes.add(Replicator.start(ReplicatorConfig.builder(ReplicaId.of(id)).transport(transport)
                        .codecs(TestCluster.CODECS).sync(TestCluster.SYNC).build()));
                seeds = transport.localAddress().orElseThrow().getHostString() + ":"
                        + transport.localAddress().orElseThrow().getPort();
            }
            nodes.get(0).update(TestCluster.SET, (s, ctx) -> s.add(ctx.self(), "x"));
            TestCluster.await(() -> nodes.get(1).get(TestCluster.SET).map(ORSet::value).orElse(Set.of())
                    .contains("x"), () -> "b got a's update");
        } finally {
            nodes.forEach(Replicator::close);
        }
    }

    @Test
    void ownCertificatesPlaintextAndRotationBuild(@TempDir Path dir) throws Exception {
        Path secretFile = dir.resolve("secret");
        Files.writeString(secretFile, Base64.getEncoder().encodeToString(ClusterSecret.random().bytes()));
        TestPki.Ca ca = TestPki.ca("ours");
        TestPki.node(dir, "node", ca, ca);
        Files.move(dir.resolve("node-trusted.pem"), dir.resolve("ca.pem"));
        {
            TlsCertificates certificates = TlsCertificates.fromPem(
                    dir.resolve("node.crt"),  // this node's certificate first, then its issuers
                    dir.resolve("node.key"),  // unencrypted PKCS#8: BEGIN PRIVATE KEY
                    dir.resolve("ca.pem"));   // the CAs peers' certificates must come from
            JGroupsTransport transport = JGroupsTransport.builder()
                    .clusterName("carts")
                    .secret(ClusterSecret.fromFile(secretFile))
                    .tls(certificates)
                    .build();
            assertEquals(2, certificates.chain().size());
            transport.close();
        }
        {
            JGroupsTransport transport = JGroupsTransport.builder()
                    .secret(ClusterSecret.fromFile(secretFile))
                    .insecurePlaintext() // a warning at every start
                    .build();
            transport.close();
        }
        ClusterSecret current = ClusterSecret.fromFile(secretFile);
        ClusterSecret next = ClusterSecret.random();
        JGroupsTransport step1 = JGroupsTransport.builder().secret(current).alsoAccept(next).build();
        JGroupsTransport step2 = JGroupsTransport.builder().secret(next).alsoAccept(current).build();
        JGroupsTransport step3 = JGroupsTransport.builder().secret(next).build();
        assertTrue(step1.stats().tlsRejectedCertificates() + step2.stats().tlsRejectedCertificates()
                + step3.stats().tlsRejectedCertificates() == 0);
        List.of(step1, step2, step3).forEach(JGroupsTransport::close);
    }

}
