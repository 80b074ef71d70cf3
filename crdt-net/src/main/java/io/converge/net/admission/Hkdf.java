package io.converge.net.admission;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869): {@link #extract} then {@link #expand}. Used to derive the
 * admission key {@code K_auth} from the cluster secret (sync.md §1). Stateless and thread-safe.
 */
public final class Hkdf {
    static final String HMAC = "HmacSHA256";
    static final int HASH_LEN = 32;

    private Hkdf() {
    }

    /** {@code PRK = HMAC(salt, ikm)}; an empty or null salt is {@code HashLen} zero bytes (RFC 5869 §2.2). */
    public static byte[] extract(byte[] salt, byte[] ikm) {
        Objects.requireNonNull(ikm, "ikm");
        byte[] s = salt == null || salt.length == 0 ? new byte[HASH_LEN] : salt;
        return mac(s).doFinal(ikm);
    }

    /** {@code OKM = T(1) | T(2) | ...} cut to {@code length} bytes, {@code T(i) = HMAC(prk, T(i-1) | info | i)}. */
    public static byte[] expand(byte[] prk, byte[] info, int length) {
        Objects.requireNonNull(prk, "prk");
        if (length < 1 || length > 255 * HASH_LEN) {
            throw new IllegalArgumentException("HKDF length must be within [1, " + 255 * HASH_LEN + "], got " + length);
        }
        Mac mac = mac(prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        for (int i = 1, done = 0; done < length; i++) {
            mac.update(t);
            mac.update(info == null ? new byte[0] : info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        Arrays.fill(t, (byte) 0);
        return out;
    }

    /** {@link #expand}({@link #extract}(salt, ikm), info, length). */
    public static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
        byte[] prk = extract(salt, ikm);
        try {
            return expand(prk, info, length);
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }

    static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }
}
