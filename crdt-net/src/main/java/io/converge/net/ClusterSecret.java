package io.converge.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * The secret every member of a cluster holds: at least {@value #MIN_BYTES} random bytes, from which
 * the admission key and the TLS cluster CA are derived (HKDF-SHA256, two labels). Immutable and
 * thread-safe; {@link #toString()} never shows it, and nothing in Converge logs it. Make one with
 * {@code openssl rand -base64 32}.
 */
public final class ClusterSecret {
    /** The fewest bytes a secret may have. */
    public static final int MIN_BYTES = 32;
    private final byte[] bytes;

    private ClusterSecret(byte[] bytes) {
        if (bytes.length < MIN_BYTES) {
            throw new IllegalArgumentException("a cluster secret needs at least " + MIN_BYTES + " bytes, got "
                    + bytes.length);
        }
        this.bytes = bytes;
    }

    /**
     * The secret {@code bytes} (copied).
     *
     * @throws IllegalArgumentException if fewer than {@value #MIN_BYTES} bytes
     */
    public static ClusterSecret of(byte[] bytes) {
        return new ClusterSecret(Objects.requireNonNull(bytes, "bytes").clone());
    }

    /** A new random secret (for tests and first set-up). */
    public static ClusterSecret random() {
        byte[] b = new byte[MIN_BYTES];
        new SecureRandom().nextBytes(b);
        return new ClusterSecret(b);
    }

    /**
     * The secret written in Base64 (surrounding whitespace ignored).
     *
     * @throws IllegalArgumentException if not Base64, or fewer than {@value #MIN_BYTES} bytes
     */
    public static ClusterSecret fromBase64(String base64) {
        Objects.requireNonNull(base64, "base64");
        try {
            return new ClusterSecret(Base64.getDecoder().decode(base64.strip()));
        } catch (IllegalArgumentException e) {
            // Never echo the input: it may be the secret.
            throw new IllegalArgumentException("a cluster secret must be Base64 of at least " + MIN_BYTES + " bytes");
        }
    }

    /**
     * The secret in {@code file}, written in Base64.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if its content is not a valid secret
     */
    public static ClusterSecret fromFile(Path file) throws IOException {
        return fromBase64(new String(Files.readAllBytes(file), StandardCharsets.US_ASCII));
    }

    /**
     * The secret in the environment variable {@code name}, written in Base64.
     *
     * @throws IllegalArgumentException if unset or not a valid secret
     */
    public static ClusterSecret fromEnv(String name) {
        String v = System.getenv(Objects.requireNonNull(name, "name"));
        if (v == null) {
            throw new IllegalArgumentException("environment variable " + name + " is not set");
        }
        return fromBase64(v);
    }

    byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return "ClusterSecret[hidden]";
    }
}
