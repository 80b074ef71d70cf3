package io.converge.net;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An operator's own TLS credentials for {@link JGroupsTransport.Builder#tls}: this node's
 * certificate chain and private key, and the CAs whose certificates it accepts from peers. TLS
 * stays mutual (every peer must show a certificate from one of those CAs) and TLS 1.3 only.
 * Immutable and thread-safe; {@link #toString()} never shows the key. Nothing is written anywhere.
 *
 * <p>Read from PEM files: the chain as {@code CERTIFICATE} blocks, this node's first; the key as
 * unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, EC or Ed25519; convert an older
 * {@code BEGIN EC PRIVATE KEY} or {@code RSA PRIVATE KEY} with {@code openssl pkcs8 -topk8 -nocrypt});
 * the CAs as one or more {@code CERTIFICATE} blocks.
 */
public final class TlsCertificates {
    private static final Pattern KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final List<X509Certificate> trustedCas;

    private TlsCertificates(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> trustedCas) {
        this.chain = List.copyOf(chain);
        this.key = key;
        this.trustedCas = List.copyOf(trustedCas);
    }

    /**
     * Reads the three PEM files (see the class comment) and checks that the key belongs to the
     * first certificate.
     *
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if a file holds no certificate or no PKCS#8 key, or the key
     *         does not match the certificate (the message never shows key material)
     */
    public static TlsCertificates fromPem(Path certificateChain, Path privateKey, Path trustedCas)
            throws IOException {
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(trustedCas, "trustedCas");
        List<X509Certificate> chain = certificates(Files.readAllBytes(certificateChain), "certificate chain");
        List<X509Certificate> cas = certificates(Files.readAllBytes(trustedCas), "trusted CAs");
        PrivateKey key = key(Files.readString(privateKey, StandardCharsets.US_ASCII));
        checkPair(key, chain.get(0));
        return new TlsCertificates(chain, key, cas);
    }

    /** This node's certificate first, then its issuers. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The CAs accepted from peers. */
    public List<X509Certificate> trustedCas() {
        return trustedCas;
    }

    PrivateKey key() {
        return key;
    }

    private static List<X509Certificate> certificates(byte[] pem, String what) {
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("no certificate in the " + what + " file");
            }
            return out;
        } catch (CertificateException e) {
            throw new IllegalArgumentException("the " + what + " file is not PEM certificates: " + e.getMessage());
        }
    }

    private static PrivateKey key(String pem) {
        Matcher m = KEY.matcher(pem);
        if (!m.find()) {
            throw new IllegalArgumentException("the key file holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY)");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        try {
            for (String alg : List.of("EC", "RSA", "Ed25519", "Ed448", "RSASSA-PSS")) {
                try {
                    return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                } catch (GeneralSecurityException e) {
                    // not this algorithm: try the next
                }
            }
        } finally {
            Arrays.fill(der, (byte) 0);
        }
        throw new IllegalArgumentException("the key file's key is not RSA, EC or EdDSA in PKCS#8");
    }

    /** Signs a random challenge with the key and verifies it with the certificate. */
    private static void checkPair(PrivateKey key, X509Certificate cert) {
        String alg = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(alg);
            if (alg.equals("RSASSA-PSS")) {
                s.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            s.initSign(key);
            s.update(challenge);
            byte[] sig = s.sign();
            s.initVerify(cert.getPublicKey());
            s.update(challenge);
            if (s.verify(sig)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // falls through to the refusal
        }
        throw new IllegalArgumentException("the private key does not belong to the first certificate of the chain");
    }

    @Override
    public String toString() {
        return "TlsCertificates[" + chain.get(0).getSubjectX500Principal() + ", key hidden, " + trustedCas.size()
                + " trusted CA(s)]";
    }
}
