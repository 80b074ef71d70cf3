package io.converge.net.admission;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.ReplicaId;
import io.converge.net.admission.Admission.Role;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final byte[] K = Admission.authKey(new byte[32]);
    private static final byte[] NA = new byte[32];
    private static final byte[] NB = new byte[32];

    static {
        NA[0] = 1;
        NB[0] = 2;
    }

    @Test
    void framesRoundTripThroughTheCodec() {
        byte[] mac = Admission.mac(K, Role.RESPONDER, "c", A, 1, B, 2, NA, NB);
        Admission.Hello h = (Admission.Hello) decode(Admission.hello(A, 7, NA));
        assertEquals(A, h.id());
        assertEquals(7, h.incarnation());
        assertArrayEquals(NA, h.nonce());
        Admission.Challenge c = (Admission.Challenge) decode(Admission.challenge(B, 9, NB, NA, mac));
        assertEquals(B, c.id());
        assertArrayEquals(NB, c.nonce());
        assertArrayEquals(NA, c.echo());
        assertArrayEquals(mac, c.mac());
        Admission.Proof p = (Admission.Proof) decode(Admission.proof(NB, mac));
        assertArrayEquals(NB, p.echo());
        assertArrayEquals(mac, p.mac());
        assertTrue(decode(Admission.request()) instanceof Admission.Request);
        assertTrue(decode(Admission.refused()) instanceof Admission.Refused);
        assertTrue(decode(Admission.welcome()) instanceof Admission.Welcome);
    }

    @Test
    void admissionTagsCannotBeTakenForASyncFrameVersion() {
        assertFalse(Admission.isAdmissionTag((byte) 1));
        for (byte t : new byte[] {Admission.HELLO, Admission.CHALLENGE, Admission.PROOF, Admission.REFUSED,
                Admission.WELCOME, Admission.REQUEST}) {
            assertTrue(Admission.isAdmissionTag(t));
        }
    }

    @Test
    void aResponderMacIsNotAnInitiatorProof() {
        byte[] responder = Admission.mac(K, Role.RESPONDER, "c", A, 1, B, 2, NA, NB);
        assertTrue(Admission.verify(List.of(K), responder, Role.RESPONDER, "c", A, 1, B, 2, NA, NB));
        assertFalse(Admission.verify(List.of(K), responder, Role.INITIATOR, "c", A, 1, B, 2, NA, NB));
        // Swapping the parties (a reflection) does not verify either.
        assertFalse(Admission.verify(List.of(K), responder, Role.INITIATOR, "c", B, 2, A, 1, NB, NA));
    }

    @Test
    void everyTranscriptFieldIsBound() {
        byte[] mac = Admission.mac(K, Role.INITIATOR, "c", A, 1, B, 2, NA, NB);
        assertFalse(Admission.verify(List.of(K), mac, Role.INITIATOR, "d", A, 1, B, 2, NA, NB));
        assertFalse(Admission.verify(List.of(K), mac, Role.INITIATOR, "c", A, 3, B, 2, NA, NB));
        assertFalse(Admission.verify(List.of(K), mac, Role.INITIATOR, "c", A, 1, B, 3, NA, NB));
        assertFalse(Admission.verify(List.of(K), mac, Role.INITIATOR, "c", A, 1, A, 2, NA, NB));
        assertFalse(Admission.verify(List.of(K), mac, Role.INITIATOR, "c", A, 1, B, 2, NB, NB));
        assertFalse(Admission.verify(List.of(Admission.authKey(new byte[33])), mac, Role.INITIATOR, "c", A, 1, B, 2,
                NA, NB));
        // A second accepted key (rotation) still lets the right one verify.
        assertTrue(Admission.verify(List.of(Admission.authKey(new byte[33]), K), mac, Role.INITIATOR, "c", A, 1, B, 2,
                NA, NB));
    }

    @Test
    void malformedFramesFailWithATypedError() {
        assertThrows(AdmissionException.class, () -> decode(new byte[0]));
        assertThrows(AdmissionException.class, () -> decode(new byte[] {0x47}));
        assertThrows(AdmissionException.class, () -> decode(new byte[] {Admission.PROOF, 1, 2}));
        assertThrows(AdmissionException.class, () -> decode(new byte[] {Admission.WELCOME, 0}));
        assertThrows(AdmissionException.class, () -> decode(new byte[Admission.MAX_PRE_ADMISSION_BYTES + 1]));
        byte[] hello = Admission.hello(A, 7, NA);
        hello[1] = 0; // replica id of length 0
        assertThrows(AdmissionException.class, () -> decode(hello));
        Random r = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(120)];
            r.nextBytes(b);
            if (b.length > 0) {
                b[0] = (byte) (Admission.HELLO + r.nextInt(6));
            }
            try {
                decode(b);
            } catch (AdmissionException expected) {
                // the only failure allowed
            }
        }
    }

    private static Admission.Frame decode(byte[] b) {
        return Admission.decode(b, 0, b.length);
    }
}
