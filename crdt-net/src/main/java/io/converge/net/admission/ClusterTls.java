package io.converge.net.admission;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.NamedParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS of one node (sync.md §1): an {@link SSLContext} for TLS 1.3 with mutual authentication,
 * trusting only the cluster's CAs, and a count of the peer certificates it rejected.
 *
 * <h2>Derived CA (the default)</h2>
 * The cluster CA's Ed25519 key is {@code HKDF-SHA256(secret, info "converge tls ca")}, a label
 * distinct from the admission key's, so neither key tells anything about the other. Its
 * certificate has only fixed fields (subject {@code CN=Converge cluster CA <fingerprint>}, a serial
 * and validity from 2000 to 9999, CA constraints) and Ed25519 signatures are deterministic, so every
 * holder of the secret computes the same certificate, byte for byte, and no one has to distribute
 * it. Each node makes its own P-256 key pair and a certificate signed by that CA, valid from an
 * hour ago (clock skew) for {@value #LEAF_HOURS} hours and renewed when half of that is left; keys
 * and certificates live only in memory. With a second secret accepted (rotation), both CAs are
 * trusted and the certificate shown is the first secret's.
 *
 * <h2>Operator certificates</h2>
 * A chain and key of the operator's, trusting only the operator's CAs; still mutual.
 *
 * <p>Thread-safe. Building one derives keys and signs (well under a millisecond each on a laptop);
 * handshakes then cost what JSSE's cost.
 */
public final class ClusterTls {
    static final byte[] CA_INFO = "converge tls ca".getBytes(StandardCharsets.US_ASCII);
    static final long LEAF_HOURS = 24;
    static final String[] PROTOCOLS = {"TLSv1.3"};
    private static final byte[] ED25519 = Der.sequence(Der.oid("1.3.101.112"));
    private static final Instant CA_NOT_BEFORE = Instant.parse("2000-01-01T00:00:00Z");
    private static final Instant CA_NOT_AFTER = Instant.parse("9999-12-31T23:59:59Z");
    private static final String BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String KEY_USAGE = "2.5.29.15";
    private static final String EXT_KEY_USAGE = "2.5.29.37";
    private static final String SUBJECT_KEY_ID = "2.5.29.14";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    private final SSLContext context;
    private final AtomicLong rejected;
    private final List<X509Certificate> trusted;

    private ClusterTls(SSLContext context, AtomicLong rejected, List<X509Certificate> trusted) {
        this.context = context;
        this.rejected = rejected;
        this.trusted = List.copyOf(trusted);
    }

    /**
     * TLS by the CAs derived from {@code secrets}: the first one's CA signs this node's certificate,
     * every one's is trusted.
     *
     * @throws IllegalArgumentException if {@code secrets} is empty
     */
    public static ClusterTls derived(List<byte[]> secrets) {
        return derived(secrets, Clock.systemUTC());
    }

    static ClusterTls derived(List<byte[]> secrets, Clock clock) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret");
        }
        List<X509Certificate> cas = new ArrayList<>();
        KeyPair signer = null;
        for (byte[] s : secrets) {
            KeyPair ca = caKeyPair(s);
            signer = signer == null ? ca : signer;
            cas.add(caCertificate(ca));
        }
        AtomicLong rejected = new AtomicLong();
        KeyManager km = new RenewingKeyManager(signer.getPrivate(), cas.get(0), clock);
        return new ClusterTls(context(km, trustManager(cas, rejected)), rejected, cas);
    }

    /**
     * TLS with the operator's {@code chain} (this node's certificate first) and {@code key},
     * trusting only {@code trustedCas}.
     *
     * @throws IllegalArgumentException if the JDK refuses the key or certificates
     */
    public static ClusterTls operator(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> trustedCas) {
        try {
            char[] password = new char[16];
            SecureRandom r = new SecureRandom();
            for (int i = 0; i < password.length; i++) {
                password[i] = (char) ('a' + r.nextInt(26));
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("node", key, password, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, password);
            AtomicLong rejected = new AtomicLong();
            KeyManager km = new ShowAlways((X509ExtendedKeyManager) kmf.getKeyManagers()[0]);
            return new ClusterTls(context(km, trustManager(trustedCas, rejected)), rejected, trustedCas);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("the JDK refuses these TLS credentials: " + e.getMessage(), e);
        }
    }

    /** The context: TLS 1.3, this node's certificate, the cluster's CAs only. */
    public SSLContext context() {
        return context;
    }

    /** For accepted connections: TLS 1.3 only, a client certificate required. */
    public SSLParameters serverParameters() {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(PROTOCOLS.clone());
        p.setNeedClientAuth(true);
        return p;
    }

    /** For connections this node opens: TLS 1.3 only (no host name check: the CA is the cluster's own). */
    public SSLParameters clientParameters() {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(PROTOCOLS.clone());
        return p;
    }

    /**
     * Peer certificate chains this node rejected (not from a trusted CA, expired, wrong usage).
     * Handshakes that fail before a certificate is seen (plaintext, no certificate, no common
     * protocol) are not counted: JSSE fails them inside JGroups, which only logs them.
     */
    public long rejectedCertificates() {
        return rejected.get();
    }

    /** The CAs trusted, the certificate presented chains to the first (derived mode). */
    public List<X509Certificate> trusted() {
        return trusted;
    }

    /** The cluster CA's Ed25519 key pair for {@code secret}: the same for every holder of the secret. */
    static KeyPair caKeyPair(byte[] secret) {
        byte[] seed = Hkdf.derive(null, secret, CA_INFO, 32);
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
            // The JDK makes an Ed25519 key from 32 bytes of the random it is given (RFC 8032 §5.1.5)
            // and offers no other public way to build a key pair from a seed; checked just below.
            g.initialize(NamedParameterSpec.ED25519, new SeedRandom(seed));
            KeyPair kp = g.generateKeyPair();
            byte[] got = ((EdECPrivateKey) kp.getPrivate()).getBytes().orElse(new byte[0]);
            boolean same = MessageDigest.isEqual(got, seed);
            Arrays.fill(got, (byte) 0);
            if (!same) {
                throw new IllegalStateException("this JDK does not make Ed25519 keys from a given seed");
            }
            return kp;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is required of every Java 15+ platform", e);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** The CA's self-signed certificate: only fixed fields, so the same bytes for the same key. */
    static X509Certificate caCertificate(KeyPair ca) {
        byte[] spki = ca.getPublic().getEncoded();
        byte[] fp = sha256(spki);
        byte[] name = Der.commonName("Converge cluster CA " + HexFormat.of().formatHex(fp, 0, 8));
        byte[] extensions = Der.sequence(
                extension(BASIC_CONSTRAINTS, true, Der.sequence(Der.bool(true))),
                extension(KEY_USAGE, true, Der.bits(0x06, 1)), // keyCertSign, cRLSign
                extension(SUBJECT_KEY_ID, false, Der.octets(Arrays.copyOf(fp, 20))));
        return sign(ca.getPrivate(), new BigInteger(1, Arrays.copyOf(fp, 8)), name, CA_NOT_BEFORE, CA_NOT_AFTER,
                name, spki, extensions);
    }

    /** A certificate for {@code subject}, for TLS clients and servers, signed by the CA. */
    static X509Certificate issue(PrivateKey caKey, X509Certificate ca, PublicKey subject, Instant notBefore,
            Instant notAfter, BigInteger serial) {
        byte[] extensions = Der.sequence(
                extension(BASIC_CONSTRAINTS, true, Der.sequence()),
                extension(KEY_USAGE, true, Der.bits(0x80, 7)), // digitalSignature
                extension(EXT_KEY_USAGE, false, Der.sequence(Der.oid(SERVER_AUTH), Der.oid(CLIENT_AUTH))));
        return sign(caKey, serial, ca.getSubjectX500Principal().getEncoded(), notBefore, notAfter,
                Der.commonName("Converge node"), subject.getEncoded(), extensions);
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octets(value))
                : Der.sequence(Der.oid(oid), Der.octets(value));
    }

    private static X509Certificate sign(PrivateKey caKey, BigInteger serial, byte[] issuer, Instant notBefore,
            Instant notAfter, byte[] subject, byte[] spki, byte[] extensions) {
        byte[] tbs = Der.sequence(Der.explicit(0, Der.integer(BigInteger.TWO)), Der.integer(serial), ED25519, issuer,
                Der.sequence(Der.time(notBefore), Der.time(notAfter)), subject, spki, Der.explicit(3, extensions));
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(caKey);
            s.update(tbs);
            byte[] cert = Der.sequence(tbs, ED25519, Der.bits(s.sign()));
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(cert));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a certificate", e);
        }
    }

    private static SSLContext context(KeyManager km, TrustManager tm) {
        try {
            SSLContext c = SSLContext.getInstance("TLSv1.3");
            c.init(new KeyManager[] {km}, new TrustManager[] {tm}, new SecureRandom());
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS 1.3 is required of every Java 11+ platform", e);
        }
    }

    private static X509ExtendedTrustManager trustManager(List<X509Certificate> cas, AtomicLong rejected) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            for (TrustManager t : tmf.getTrustManagers()) {
                if (t instanceof X509ExtendedTrustManager x) {
                    return new CountingTrustManager(x, rejected);
                }
            }
            throw new IllegalStateException("no X.509 trust manager in the JDK");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("the JDK refuses these CA certificates: " + e.getMessage(), e);
        }
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** Hands out its seed once, to the key pair generator, and nothing else. */
    private static final class SeedRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final transient byte[] seed;
        private boolean used;

        SeedRandom(byte[] seed) {
            this.seed = seed;
        }

        @Override
        public synchronized void nextBytes(byte[] bytes) {
            if (used || bytes.length != seed.length) {
                throw new IllegalStateException("the seed is for one 32-byte Ed25519 key only");
            }
            used = true;
            System.arraycopy(seed, 0, bytes, 0, seed.length);
        }
    }

    /**
     * Chooses the node's certificate whatever CAs the peer says it accepts: a peer whose CA differs
     * then rejects it by its trust manager (and counts it), instead of getting no certificate and
     * failing without a trace in the counters.
     */
    private static final class ShowAlways extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager d;

        ShowAlways(X509ExtendedKeyManager d) {
            this.d = d;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return d.getClientAliases(keyType, null);
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return d.chooseClientAlias(keyTypes, null, socket);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return d.chooseEngineClientAlias(keyTypes, null, engine);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return d.getServerAliases(keyType, null);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return d.chooseServerAlias(keyType, null, socket);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return d.chooseEngineServerAlias(keyType, null, engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return d.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return d.getPrivateKey(alias);
        }
    }

    /** Delegates and counts the peer chains it rejects. */
    private static final class CountingTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager d;
        private final AtomicLong rejected;

        CountingTrustManager(X509ExtendedTrustManager d, AtomicLong rejected) {
            this.d = d;
            this.rejected = rejected;
        }

        private interface Check {
            void run() throws CertificateException;
        }

        private void count(Check c) throws CertificateException {
            try {
                c.run();
            } catch (CertificateException | RuntimeException e) {
                rejected.incrementAndGet();
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            count(() -> d.checkClientTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            count(() -> d.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            count(() -> d.checkClientTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            count(() -> d.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            count(() -> d.checkClientTrusted(chain, authType));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            count(() -> d.checkServerTrusted(chain, authType));
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return d.getAcceptedIssuers();
        }
    }

    /**
     * Presents this node's P-256 certificate from the cluster CA, and makes a new key pair and
     * certificate once half of the current one's life is gone. The one before stays readable by
     * its alias, for a handshake that chose it just before the renewal.
     */
    static final class RenewingKeyManager extends X509ExtendedKeyManager {
        private final PrivateKey caKey;
        private final X509Certificate ca;
        private final Clock clock;
        private final SecureRandom random = new SecureRandom();
        private long generation;
        private volatile Leaf current;
        private volatile Leaf previous;

        record Leaf(String alias, PrivateKey key, X509Certificate[] chain, Instant renewAt) {
        }

        RenewingKeyManager(PrivateKey caKey, X509Certificate ca, Clock clock) {
            this.caKey = caKey;
            this.ca = ca;
            this.clock = clock;
            this.current = newLeaf();
        }

        private Leaf newLeaf() {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"), random);
                KeyPair kp = g.generateKeyPair();
                Instant now = clock.instant();
                Instant notAfter = now.plus(Duration.ofHours(LEAF_HOURS));
                byte[] serial = new byte[16];
                random.nextBytes(serial);
                X509Certificate cert = issue(caKey, ca, kp.getPublic(), now.minus(Duration.ofHours(1)), notAfter,
                        new BigInteger(1, serial));
                generation++;
                return new Leaf("converge-" + generation, kp.getPrivate(), new X509Certificate[] {cert},
                        now.plus(Duration.ofHours(LEAF_HOURS / 2)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("P-256 is required of every Java platform", e);
            }
        }

        Leaf leaf() {
            Leaf l = current;
            if (clock.instant().isBefore(l.renewAt())) {
                return l;
            }
            synchronized (this) {
                l = current;
                if (!clock.instant().isBefore(l.renewAt())) {
                    previous = l;
                    l = newLeaf();
                    current = l;
                }
                return l;
            }
        }

        private Leaf byAlias(String alias) {
            Leaf c = current;
            if (c.alias().equals(alias)) {
                return c;
            }
            Leaf p = previous;
            return p != null && p.alias().equals(alias) ? p : null;
        }

        private String match(String... keyTypes) {
            Leaf l = leaf();
            if (keyTypes != null) {
                for (String t : keyTypes) {
                    if (l.key().getAlgorithm().equalsIgnoreCase(t)) {
                        return l.alias();
                    }
                }
            }
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            String a = match(keyType);
            return a == null ? null : new String[] {a};
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return match(keyTypes);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return match(keyTypes);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return match(keyType);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return match(keyType);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            Leaf l = byAlias(Objects.requireNonNullElse(alias, ""));
            return l == null ? null : l.chain().clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            Leaf l = byAlias(Objects.requireNonNullElse(alias, ""));
            return l == null ? null : l.key();
        }
    }
}
