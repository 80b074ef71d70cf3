package io.converge.net;

import static io.converge.net.TestCluster.add;
import static io.converge.net.TestCluster.await;
import static io.converge.net.TestCluster.awaitConverged;
import static io.converge.net.TestCluster.since;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.net.TestCluster.Node;
import io.converge.net.admission.Admission;
import java.util.List;
import java.util.Set;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.junit.jupiter.api.Test;

/** Admission by the cluster secret, on {@code SHARED_LOOPBACK}. */
class ClusterAdmissionTest {
    @Test
    void nodeWithAWrongSecretIsNeverAdmittedGetsNothingAndChangesNothing() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            long t0 = System.nanoTime();
            Node w = c.start("w", t -> t.secret(ClusterSecret.random()));
            add(w, "intruder");
            await(() -> a.transport().stats().viewSize() == 3 && a.transport().stats().refusals()
                    + a.transport().stats().refusedByPeers() > 0 && b.transport().stats().refusals()
                    + b.transport().stats().refusedByPeers() > 0 && w.transport().stats().refusals()
                    + w.transport().stats().refusedByPeers() >= 2, () -> "refusals: " + TestCluster.describe(c.nodes));
            System.out.printf("[figure] in-JVM: wrong secret refused by both members %d ms after its start%n",
                    since(t0));
            add(a, "x");
            add(b, "y");
            awaitConverged(List.of(a, b), Set.of("x", "y"), 2);
            assertEquals(Set.of(b.id()), a.transport().admittedPeers());
            assertEquals(Set.of(a.id()), b.transport().admittedPeers());
            assertTrue(w.transport().admittedPeers().isEmpty());
            assertEquals(0, w.transport().stats().framesIn());
            assertEquals(Set.of("intruder"), w.replicator().get(TestCluster.SET).map(ORSet::value).orElseThrow());
            assertFalse(a.replicator().stats().peers().containsKey(w.id()));
            assertEquals(0, w.transport().stats().admissions());
        }
    }

    @Test
    void rotationAcceptsTheNextSecretBeforeAndThePreviousAfterTheSwitch() {
        try (TestCluster c = new TestCluster()) {
            ClusterSecret next = ClusterSecret.random();
            Node a = c.start("a"); // old secret only: the rotation has not reached it
            Node b = c.start("b", t -> t.alsoAccept(next)); // step 1: accepts the next one
            c.awaitAdmitted(List.of(a, b));
            Node d = c.start("d", t -> t.secret(next).alsoAccept(c.secret)); // step 2: switched
            c.awaitAdmitted(List.of(b, d));
            await(() -> a.transport().stats().refusals() + a.transport().stats().refusedByPeers() > 0,
                    () -> "a, without the next secret, refuses d");
            assertFalse(a.transport().admittedPeers().contains(d.id()));
        }
    }

    @Test
    void framesFromAMemberThatIsNotAdmittedAreDroppedAndCounted() throws Exception {
        try (TestCluster c = new TestCluster();
                JChannel rogue = new JChannel(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(), new NAKACK2(),
                        new UNICAST3(), new STABLE(), new GMS().setJoinTimeout(500))) {
            Node a = c.start("a");
            rogue.connect(c.name);
            await(() -> a.transport().stats().viewSize() == 2, () -> "rogue in view");
            // A sync frame (version byte 1), an oversized admission frame, junk, then a hello flood.
            rogue.send(new BytesMessage(a.transport().jgroupsAddress(), new byte[] {1, 2, 3, 4}));
            byte[] big = new byte[Admission.MAX_PRE_ADMISSION_BYTES + 1];
            big[0] = Admission.HELLO;
            rogue.send(new BytesMessage(a.transport().jgroupsAddress(), big));
            rogue.send(new BytesMessage(a.transport().jgroupsAddress(), new byte[] {Admission.PROOF, 9}));
            for (int i = 0; i < 500; i++) {
                rogue.send(new BytesMessage(a.transport().jgroupsAddress(), new byte[] {Admission.WELCOME}));
            }
            await(() -> {
                TransportStats s = a.transport().stats();
                return s.droppedUnadmitted() >= 1 && s.droppedOversize() == 1 && s.malformed() >= 1
                        && s.droppedRateLimited() > 0;
            }, () -> "counted: " + a.transport().stats());
            TransportStats s = a.transport().stats();
            assertEquals(0, s.framesIn());
            assertEquals(0, s.admissions());
            assertTrue(a.transport().admittedPeers().isEmpty());
            assertTrue(a.replicator().stats().peers().isEmpty());
        }
    }

    @Test
    void secretsShorterThan32BytesOrMissingAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ClusterSecret.of(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> ClusterSecret.fromBase64("c2hvcnQ="));
        assertThrows(IllegalStateException.class, () -> JGroupsTransport.builder().build());
        assertFalse(ClusterSecret.of(new byte[32]).toString().contains("0"));
    }
}
