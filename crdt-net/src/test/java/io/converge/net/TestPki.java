package io.converge.net;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * An operator's PKI made at test run time with Bouncy Castle (independent of the JDK-only
 * certificate code under test): CAs and node certificates, written as PEM files into a temporary
 * directory. Keys never leave that directory, which JUnit deletes.
 */
final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A CA: its key pair and self-signed certificate. */
    record Ca(KeyPair keys, X509Certificate cert) {
    }

    private TestPki() {
    }

    static Ca ca(String cn) throws Exception {
        KeyPair kp = ec();
        X500Name name = new X500Name("CN=" + cn);
        X509v3CertificateBuilder b = builder(name, name, kp)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new Ca(kp, sign(b, kp));
    }

    /**
     * A node's certificate from {@code ca}, written with its key and {@code trusted} CA file into
     * {@code dir}: returns the credentials read back through {@link TlsCertificates#fromPem}.
     */
    static TlsCertificates node(Path dir, String name, Ca ca, Ca... trusted) throws Exception {
        KeyPair kp = ec();
        X509v3CertificateBuilder b = builder(X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded()),
                new X500Name("CN=" + name), kp)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        X509Certificate cert = sign(b, ca.keys());
        Path crt = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        Path cas = dir.resolve(name + "-trusted.pem");
        Files.writeString(crt, pem("CERTIFICATE", cert.getEncoded()) + pem("CERTIFICATE", ca.cert().getEncoded()));
        Files.writeString(key, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
        StringBuilder bundle = new StringBuilder();
        for (Ca t : trusted) {
            bundle.append(pem("CERTIFICATE", t.cert().getEncoded()));
        }
        Files.writeString(cas, bundle);
        return TlsCertificates.fromPem(crt, key, cas);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static KeyPair ec() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair kp) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
                kp.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
            throws OperatorCreationException, IOException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }
}
