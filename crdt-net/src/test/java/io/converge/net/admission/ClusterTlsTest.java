package io.converge.net.admission;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.security.interfaces.EdECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** The cluster CA derived from the secret, the certificates it signs, and handshakes between contexts. */
class ClusterTlsTest {
    private static byte[] secret(int fill) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) fill);
        return s;
    }

    @Test
    void sameSecretGivesTheSameCaCertificateByteForByte() throws Exception {
        X509Certificate one = ClusterTls.caCertificate(ClusterTls.caKeyPair(secret(7)));
        X509Certificate two = ClusterTls.caCertificate(ClusterTls.caKeyPair(secret(7)));
        assertArrayEquals(one.getEncoded(), two.getEncoded());
        assertEquals(one, ClusterTls.derived(List.of(secret(7))).trusted().get(0));
        one.verify(one.getPublicKey()); // self-signed
        one.checkValidity();
        assertEquals(Integer.MAX_VALUE, one.getBasicConstraints()); // a CA, no path length limit
        assertTrue(one.getKeyUsage()[5], "keyCertSign");
        assertEquals("Ed25519", one.getSigAlgName());
    }

    @Test
    void differentSecretsGiveDifferentCas() throws Exception {
        X509Certificate one = ClusterTls.caCertificate(ClusterTls.caKeyPair(secret(7)));
        X509Certificate two = ClusterTls.caCertificate(ClusterTls.caKeyPair(secret(8)));
        assertNotEquals(one.getPublicKey(), two.getPublicKey());
        assertNotEquals(one.getSubjectX500Principal(), two.getSubjectX500Principal());
        assertThrows(java.security.SignatureException.class, () -> one.verify(two.getPublicKey()));
    }

    @Test
    void caKeyIsNotTheAdmissionKey() {
        KeyPair ca = ClusterTls.caKeyPair(secret(7));
        byte[] caKey = ((EdECPrivateKey) ca.getPrivate()).getBytes().orElseThrow();
        byte[] auth = Admission.authKey(secret(7));
        assertFalse(Arrays.equals(caKey, auth));
        assertArrayEquals(Hkdf.derive(null, secret(7), ClusterTls.CA_INFO, 32), caKey);
    }

    @Test
    void nodeCertificatesChainToTheCaAndAreFreshForEachNode() throws Exception {
        ClusterTls.RenewingKeyManager a = keyManager(secret(7), Clock.systemUTC());
        ClusterTls.RenewingKeyManager b = keyManager(secret(7), Clock.systemUTC());
        X509Certificate ca = ClusterTls.caCertificate(ClusterTls.caKeyPair(secret(7)));
        X509Certificate ca2 = a.getCertificateChain(a.leaf().alias())[0];
        X509Certificate cb = b.getCertificateChain(b.leaf().alias())[0];
        ca2.verify(ca.getPublicKey());
        cb.verify(ca.getPublicKey());
        ca2.checkValidity();
        assertEquals(ca.getSubjectX500Principal(), ca2.getIssuerX500Principal());
        assertNotEquals(ca2.getPublicKey(), cb.getPublicKey());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), ca2.getExtendedKeyUsage());
        assertEquals(-1, ca2.getBasicConstraints());
    }

    @Test
    void nodeCertificateIsRenewedWhenHalfItsLifeIsGoneAndTheOldAliasStillResolves() {
        Instant t0 = Instant.parse("2030-01-01T00:00:00Z");
        AtomicReference<Instant> now = new AtomicReference<>(t0);
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        ClusterTls.RenewingKeyManager km = keyManager(secret(7), clock);
        String first = km.chooseServerAlias("EC", null, null);
        X509Certificate c1 = km.getCertificateChain(first)[0];
        assertEquals(t0.plus(Duration.ofHours(ClusterTls.LEAF_HOURS)), c1.getNotAfter().toInstant());
        now.set(t0.plus(Duration.ofHours(ClusterTls.LEAF_HOURS / 2 - 1)));
        assertEquals(first, km.chooseClientAlias(new String[] {"EC"}, null, null));
        now.set(t0.plus(Duration.ofHours(ClusterTls.LEAF_HOURS / 2)));
        String second = km.chooseServerAlias("EC", null, null);
        assertNotEquals(first, second);
        assertTrue(km.getCertificateChain(second)[0].getNotAfter().after(c1.getNotAfter()));
        assertEquals(c1, km.getCertificateChain(first)[0]);
        assertEquals(null, km.chooseServerAlias("RSA", null, null));
    }

    @Test
    void handshakeSucceedsWithTheSameSecretAndFailsWithAnother() throws Exception {
        ClusterTls server = ClusterTls.derived(List.of(secret(7)));
        assertEquals("ok", handshake(server, ClusterTls.derived(List.of(secret(7)))));
        ClusterTls foreign = ClusterTls.derived(List.of(secret(8)));
        assertTrue(handshake(server, foreign).startsWith("failed"));
        // The client checks the server's certificate first, and rejects it.
        assertEquals(1, foreign.rejectedCertificates());
    }

    @Test
    void duringARotationEachStepShakesHandsWithTheStepsBesideIt() throws Exception {
        ClusterTls old = ClusterTls.derived(List.of(secret(7)));
        ClusterTls step1 = ClusterTls.derived(List.of(secret(7), secret(8))); // shows CA 7, trusts both
        ClusterTls step2 = ClusterTls.derived(List.of(secret(8), secret(7))); // shows CA 8, trusts both
        ClusterTls next = ClusterTls.derived(List.of(secret(8)));
        assertEquals("ok", handshake(old, step1));
        assertEquals("ok", handshake(step1, old));
        assertEquals("ok", handshake(step1, step2));
        assertEquals("ok", handshake(step2, step1));
        assertEquals("ok", handshake(step2, next));
        assertEquals("ok", handshake(next, step2));
        assertTrue(handshake(old, step2).startsWith("failed"), "old trusts only CA 7, step 2 shows CA 8");
        assertTrue(handshake(step1, next).startsWith("failed"), "next trusts only CA 8, step 1 shows CA 7");
    }

    /** Runs one TLS 1.3 handshake over loopback and one byte each way; "ok" or "failed: ...". */
    static String handshake(ClusterTls serverTls, ClusterTls clientTls) throws Exception {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try (SSLServerSocket ss = (SSLServerSocket) serverTls.context().getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ss.setSSLParameters(serverTls.serverParameters());
            Future<String> accepted = ex.submit(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    InputStream in = s.getInputStream();
                    int b = in.read();
                    s.getOutputStream().write(b);
                    s.getOutputStream().flush();
                    return s.getSession().getProtocol();
                } catch (IOException e) {
                    return "failed: " + e;
                }
            });
            String client;
            try (SSLSocket s = (SSLSocket) clientTls.context().getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                s.setSoTimeout(10_000);
                s.setSSLParameters(clientTls.clientParameters());
                s.startHandshake();
                OutputStream out = s.getOutputStream();
                out.write(42);
                out.flush();
                client = s.getInputStream().read() == 42 ? "ok" : "failed: no echo";
            } catch (IOException e) {
                client = "failed: " + e;
            }
            String server = accepted.get(20, TimeUnit.SECONDS);
            if (client.equals("ok")) {
                assertEquals("TLSv1.3", server);
            }
            return client;
        } finally {
            ex.shutdownNow();
        }
    }

    private static ClusterTls.RenewingKeyManager keyManager(byte[] secret, Clock clock) {
        KeyPair ca = ClusterTls.caKeyPair(secret);
        return new ClusterTls.RenewingKeyManager(ca.getPrivate(), ClusterTls.caCertificate(ca), clock);
    }
}
