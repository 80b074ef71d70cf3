package io.converge.net.admission;

import io.converge.crdt.causal.ReplicaId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;

/**
 * The admission handshake of sync.md §1 as pure functions: its frames, their codec and the MACs.
 *
 * <h2>Exchange</h2>
 * The member with the smaller JGroups address initiates:
 * <pre>
 *   I → R  HELLO     (id_I, inc_I, n_I)
 *   R → I  CHALLENGE (id_R, inc_R, n_R, n_I, mac_R = HMAC(K, "responder" | T))
 *   I → R  PROOF     (n_R, mac_I = HMAC(K, "initiator" | T))     R admits I
 *   R → I  WELCOME   ()                                          I admits R
 * </pre>
 * A challenge echoes the initiator's nonce and a proof the responder's, so an answer to an
 * abandoned attempt is recognised and ignored rather than taken for a wrong secret. A responder
 * that waits for a hello in vain sends {@code REQUEST} (no body): the initiator then (re)starts,
 * which also heals the case where only one side saw the other leave the view.
 * {@code T} binds the cluster name, both replica ids and incarnations and both 32-byte nonces;
 * the role labels keep a responder's MAC from being reflected as an initiator's proof. {@code K}
 * is {@code HKDF-SHA256(secret, info "converge admission")}. A MAC is accepted under any of the
 * node's keys (two during a secret rotation) and compared with {@link MessageDigest#isEqual}.
 * Any failure is answered by a bare {@code REFUSED}, never saying which check failed.
 *
 * <h2>Wire</h2>
 * Every admission frame starts with a tag byte in {@code 0x41..0x46}; sync frames start with the
 * codec's version byte ({@code 1}), so the two never collide. Identities are a length byte plus
 * ASCII ({@link ReplicaId#toBytes()}), incarnations 8 bytes big-endian. Stateless, thread-safe.
 */
public final class Admission {
    public static final byte HELLO = 0x41;
    public static final byte CHALLENGE = 0x42;
    public static final byte PROOF = 0x43;
    public static final byte REFUSED = 0x44;
    public static final byte WELCOME = 0x45;
    public static final byte REQUEST = 0x46;
    public static final int NONCE_BYTES = 32;
    public static final int MAC_BYTES = 32;
    /** The largest frame accepted from an address that is not admitted (sync.md §6). */
    public static final int MAX_PRE_ADMISSION_BYTES = 4096;
    private static final byte[] INFO = "converge admission".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DOMAIN = "converge-admission-v1".getBytes(StandardCharsets.US_ASCII);

    private Admission() {
    }

    /** Whether {@code tag} (a frame's first byte) is an admission frame's. */
    public static boolean isAdmissionTag(byte tag) {
        return tag >= HELLO && tag <= REQUEST;
    }

    /** {@code K_auth} for {@code secret}. */
    public static byte[] authKey(byte[] secret) {
        return Hkdf.derive(null, secret, INFO, 32);
    }

    /** A decoded admission frame. */
    public sealed interface Frame permits Hello, Challenge, Proof, Refused, Welcome, Request {
    }

    /** The initiator's identity and nonce. */
    public record Hello(ReplicaId id, long incarnation, byte[] nonce) implements Frame {
    }

    /** The responder's identity, nonce, the initiator's nonce echoed, and the responder's MAC. */
    public record Challenge(ReplicaId id, long incarnation, byte[] nonce, byte[] echo, byte[] mac) implements Frame {
    }

    /** The responder's nonce echoed and the initiator's MAC. */
    public record Proof(byte[] echo, byte[] mac) implements Frame {
    }

    /** A responder asks the initiator to (re)start the handshake. */
    public record Request() implements Frame {
    }

    /** A generic refusal. */
    public record Refused() implements Frame {
    }

    /** The responder admitted the initiator. */
    public record Welcome() implements Frame {
    }

    public static byte[] hello(ReplicaId id, long incarnation, byte[] nonce) {
        byte[] idb = id.toBytes();
        return ByteBuffer.allocate(1 + idb.length + 8 + NONCE_BYTES).put(HELLO).put(idb).putLong(incarnation)
                .put(check(nonce, NONCE_BYTES)).array();
    }

    public static byte[] challenge(ReplicaId id, long incarnation, byte[] nonce, byte[] echo, byte[] mac) {
        byte[] idb = id.toBytes();
        return ByteBuffer.allocate(1 + idb.length + 8 + 2 * NONCE_BYTES + MAC_BYTES).put(CHALLENGE).put(idb)
                .putLong(incarnation).put(check(nonce, NONCE_BYTES)).put(check(echo, NONCE_BYTES))
                .put(check(mac, MAC_BYTES)).array();
    }

    public static byte[] proof(byte[] echo, byte[] mac) {
        return ByteBuffer.allocate(1 + NONCE_BYTES + MAC_BYTES).put(PROOF).put(check(echo, NONCE_BYTES))
                .put(check(mac, MAC_BYTES)).array();
    }

    public static byte[] request() {
        return new byte[] {REQUEST};
    }

    public static byte[] refused() {
        return new byte[] {REFUSED};
    }

    public static byte[] welcome() {
        return new byte[] {WELCOME};
    }

    /**
     * Decodes {@code length} bytes of {@code buf} from {@code offset}.
     *
     * @throws AdmissionException if the frame is not exactly one well-formed admission frame
     */
    public static Frame decode(byte[] buf, int offset, int length) {
        if (length < 1 || length > MAX_PRE_ADMISSION_BYTES) {
            throw new AdmissionException("admission frame of " + length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(buf, offset, length);
        byte tag = b.get();
        Frame f;
        switch (tag) {
            case HELLO:
                f = new Hello(id(b), incarnation(b), bytes(b, NONCE_BYTES));
                break;
            case CHALLENGE:
                f = new Challenge(id(b), incarnation(b), bytes(b, NONCE_BYTES), bytes(b, NONCE_BYTES),
                        bytes(b, MAC_BYTES));
                break;
            case PROOF:
                f = new Proof(bytes(b, NONCE_BYTES), bytes(b, MAC_BYTES));
                break;
            case REQUEST:
                f = new Request();
                break;
            case REFUSED:
                f = new Refused();
                break;
            case WELCOME:
                f = new Welcome();
                break;
            default:
                throw new AdmissionException("unknown admission tag " + tag);
        }
        if (b.hasRemaining()) {
            throw new AdmissionException(b.remaining() + " trailing bytes");
        }
        return f;
    }

    /** The role whose MAC is computed. */
    public enum Role {
        INITIATOR, RESPONDER
    }

    /** The MAC of {@code role} over the transcript, under {@code key}. */
    public static byte[] mac(byte[] key, Role role, String cluster, ReplicaId initiator, long initiatorInc,
            ReplicaId responder, long responderInc, byte[] initiatorNonce, byte[] responderNonce) {
        Mac mac = Hkdf.mac(key);
        mac.update(DOMAIN);
        mac.update((byte) 0);
        mac.update(role == Role.INITIATOR ? (byte) 'I' : (byte) 'R');
        byte[] name = cluster.getBytes(StandardCharsets.UTF_8);
        mac.update(ByteBuffer.allocate(4).putInt(name.length).array());
        mac.update(name);
        mac.update(initiator.toBytes());
        mac.update(ByteBuffer.allocate(8).putLong(initiatorInc).array());
        mac.update(responder.toBytes());
        mac.update(ByteBuffer.allocate(8).putLong(responderInc).array());
        mac.update(check(initiatorNonce, NONCE_BYTES));
        mac.update(check(responderNonce, NONCE_BYTES));
        return mac.doFinal();
    }

    /** Whether {@code received} is {@code role}'s MAC under one of {@code keys}; constant-time per key. */
    public static boolean verify(List<byte[]> keys, byte[] received, Role role, String cluster, ReplicaId initiator,
            long initiatorInc, ReplicaId responder, long responderInc, byte[] initiatorNonce, byte[] responderNonce) {
        boolean ok = false;
        for (byte[] key : keys) {
            byte[] expected = mac(key, role, cluster, initiator, initiatorInc, responder, responderInc, initiatorNonce,
                    responderNonce);
            ok |= MessageDigest.isEqual(expected, received);
        }
        return ok;
    }

    private static byte[] check(byte[] b, int n) {
        Objects.requireNonNull(b);
        if (b.length != n) {
            throw new IllegalArgumentException("expected " + n + " bytes, got " + b.length);
        }
        return b;
    }

    private static ReplicaId id(ByteBuffer b) {
        int n = need(b, 1) ? Byte.toUnsignedInt(b.get(b.position())) : 0;
        if (n < 1 || n > ReplicaId.MAX_LENGTH || b.remaining() < 1 + n) {
            throw new AdmissionException("bad replica id length " + n);
        }
        byte[] raw = new byte[1 + n];
        b.get(raw);
        try {
            return ReplicaId.fromBytes(raw);
        } catch (RuntimeException e) {
            throw new AdmissionException("bad replica id");
        }
    }

    private static long incarnation(ByteBuffer b) {
        need(b, 8);
        return b.getLong();
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        need(b, n);
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static boolean need(ByteBuffer b, int n) {
        if (b.remaining() < n) {
            throw new AdmissionException("truncated admission frame");
        }
        return true;
    }
}
