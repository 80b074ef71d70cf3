package io.converge.net;

import static io.converge.net.TestCluster.add;
import static io.converge.net.TestCluster.await;
import static io.converge.net.TestCluster.awaitConverged;
import static io.converge.net.TestCluster.since;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.net.TestCluster.Node;
import java.util.List;
import java.util.Set;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import java.util.concurrent.atomic.AtomicReference;
import org.jgroups.JChannel;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.junit.jupiter.api.Test;

/** Replicators over the JGroups transport on {@code SHARED_LOOPBACK}, in one JVM. */
class JGroupsTransportTest {
    @Test
    void twoReplicatorsConverge() {
        try (TestCluster c = new TestCluster()) {
            long t0 = System.nanoTime();
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            System.out.printf("[figure] in-JVM: two nodes admitted each other %d ms after the first start%n", since(t0));
            add(a, "x");
            add(b, "y");
            awaitConverged(List.of(a, b), Set.of("x", "y"), 2);
            assertEquals(0, a.transport().stats().refusals());
            assertTrue(a.transport().stats().framesIn() > 0);
        }
    }

    @Test
    void threeReplicatorsConvergeWithWritesOnEach() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            Node d = c.start("d");
            List<Node> all = List.of(a, b, d);
            add(a, "x");
            add(b, "y");
            add(d, "z");
            c.awaitAdmitted(all);
            a.replicator().update(TestCluster.SET, (s, r) -> s.remove("x"));
            awaitConverged(all, Set.of("y", "z"), 3);
        }
    }

    @Test
    void restartedReplicaIsSeenAsANewIncarnationAndCatchesUp() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            add(a, "x");
            awaitConverged(List.of(a, b), Set.of("x"), 1);
            long first = b.transport().incarnation();
            assertEquals(first, a.peer(b.id()).incarnation());
            b.replicator().close(); // goodbye, then a JGroups leave
            await(() -> !a.transport().admittedPeers().contains(b.id()), () -> "b gone");
            Node b2 = c.start("b");
            assertTrue(b2.transport().incarnation() > first);
            c.awaitAdmitted(List.of(a, b2));
            await(() -> a.peer(b2.id()) != null && a.peer(b2.id()).incarnation() == b2.transport().incarnation()
                    && a.peer(b2.id()).up(), () -> "a sees b's new incarnation: " + a.replicator().stats().peers());
            // b restarted empty (no store): it gets a's state back.
            awaitConverged(List.of(a, b2), Set.of("x"), 1);
        }
    }

    @Test
    void newIncarnationReplacesAnUnreachableOldOneWhoseFramesAreThenDropped() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            // b "hangs": silent, but still in a's view until the failure detector removes it.
            b.discard().discardAll(true);
            Node b2 = c.start("b");
            await(() -> a.transport().admittedPeers().contains(b2.id()) && a.peer(b2.id()) != null
                    && a.peer(b2.id()).incarnation() == b2.transport().incarnation(), () -> "b2 admitted");
            add(a, "x");
            add(b2, "y");
            awaitConverged(List.of(a, b2), Set.of("x", "y"), 2);
            // The old b wakes up: a never admits it again nor applies anything it sends.
            add(b, "stale");
            b.discard().discardAll(false);
            await(() -> a.transport().stats().refusals() + a.transport().stats().droppedStale() > 0,
                    () -> "old incarnation refused or dropped: " + TestCluster.describe(List.of(a, b, b2)));
            awaitConverged(List.of(a, b2), Set.of("x", "y"), 2);
            assertEquals(b2.transport().incarnation(), a.peer(b2.id()).incarnation());
        }
    }

    @Test
    void partitionedNodeGoesUnreachableThenUpAndEveryoneConvergesAfterTheHeal() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            Node d = c.start("d");
            List<Node> all = List.of(a, b, d);
            c.awaitAdmitted(all);
            add(a, "before");
            awaitConverged(all, Set.of("before"), 1);

            long cut = System.nanoTime();
            d.discard().discardAll(true);
            await(() -> !a.transport().admittedPeers().contains(d.id()) && !b.transport().admittedPeers()
                    .contains(d.id()) && d.transport().admittedPeers().isEmpty(), () -> "split");
            System.out.printf("[figure] in-JVM: silent node out of the others' views in %d ms (fd timeout %s)%n",
                    since(cut), TestCluster.FD);
            await(() -> !a.peer(d.id()).up() && !d.peer(a.id()).up(), () -> "engine sees d down");
            add(a, "a-side");
            add(d, "d-side");
            awaitConverged(List.of(a, b), Set.of("before", "a-side"), 2);
            assertFalse(d.replicator().get(TestCluster.SET).orElseThrow().contains("a-side"));

            long heal = System.nanoTime();
            d.discard().discardAll(false);
            awaitConverged(all, Set.of("before", "a-side", "d-side"), 3);
            System.out.printf("[figure] in-JVM: 3 nodes converged %d ms after the heal (merge interval %s)%n",
                    since(heal), TestCluster.MERGE);
            c.awaitAdmitted(all);
            await(() -> a.peer(d.id()).up() && d.peer(a.id()).up(), () -> "engines see each other up");
            assertEquals(d.transport().incarnation(), a.peer(d.id()).incarnation());
        }
    }

    @Test
    void closedNodeIsReportedDownToItsPeers() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            long t0 = System.nanoTime();
            b.transport().close(); // no goodbye from the engine: only the JGroups leave
            await(() -> !a.transport().admittedPeers().contains(b.id()) && !a.peer(b.id()).up(), () -> "b down");
            System.out.printf("[figure] in-JVM: closed transport (JGroups leave, no goodbye) seen down in %d ms%n",
                    since(t0));
        }
    }

    @Test
    void diagnosticsAreOffAndTheStackIsTheOneOfTheDesign() {
        AtomicReference<List<String>> names = new AtomicReference<>();
        AtomicReference<TP> tp = new AtomicReference<>();
        try (TestCluster c = new TestCluster()) {
            c.start("a", b -> b.stackCustomizer(stack -> {
                tp.set((TP) stack.get(0));
                names.set(stack.stream().map(p -> p.getClass().getSimpleName()).collect(
                        java.util.stream.Collectors.toList()));
                return stack;
            }));
            assertEquals(List.of("SHARED_LOOPBACK", "SHARED_LOOPBACK_PING", "MERGE3", "FD_ALL3", "VERIFY_SUSPECT2",
                    "BARRIER", "NAKACK2", "UNICAST3", "STABLE", "GMS", "UFC", "MFC", "FRAG4"), names.get());
            assertFalse(tp.get().getDiagnosticsHandler() != null && tp.get().getDiagnosticsHandler().isEnabled());
        }
    }

    @Test
    void replicatorsConvergeOverForkChannelsOfAnExistingChannel() throws Exception {
        String cluster = "fork-" + java.util.UUID.randomUUID();
        ClusterSecret secret = ClusterSecret.random();
        try (JChannel m1 = mainChannel(); JChannel m2 = mainChannel()) {
            // The application's own traffic on its channel, which must keep flowing beside ours.
            java.util.List<String> appReceived = new java.util.concurrent.CopyOnWriteArrayList<>();
            m2.setReceiver(new org.jgroups.Receiver() {
                @Override
                public void receive(org.jgroups.Message msg) {
                    appReceived.add(new String(msg.getArray(), msg.getOffset(), msg.getLength(),
                            java.nio.charset.StandardCharsets.UTF_8));
                }
            });
            m1.connect(cluster);
            m2.connect(cluster);
            JGroupsTransport t1 = JGroupsTransport.builder().secret(secret).forkOf(m1).build();
            JGroupsTransport t2 = JGroupsTransport.builder().secret(secret).forkOf(m2).build();
            try (Replicator a = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("a")).transport(t1)
                    .codecs(TestCluster.CODECS).sync(TestCluster.SYNC).build());
                    Replicator b = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("b")).transport(t2)
                            .codecs(TestCluster.CODECS).sync(TestCluster.SYNC).build())) {
                a.update(TestCluster.SET, (st, r) -> st.add(r.self(), "x"));
                m1.send(new org.jgroups.BytesMessage(m2.getAddress(),
                        "app-1".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                b.update(TestCluster.SET, (st, r) -> st.add(r.self(), "y"));
                m1.send(new org.jgroups.BytesMessage(m2.getAddress(),
                        "app-2".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                await(() -> a.get(TestCluster.SET).equals(b.get(TestCluster.SET))
                        && a.get(TestCluster.SET).orElseThrow().value().equals(Set.of("x", "y")), () -> "fork sync");
                await(() -> appReceived.equals(java.util.List.of("app-1", "app-2")),
                        () -> "the application's own messages, and only them, reach its receiver: " + appReceived);
            }
            assertTrue(m1.isConnected(), "closing the fork leaves the user's channel alone");
        }
    }

    private static JChannel mainChannel() throws Exception {
        // FORK in the configuration from the start, as on every member of a real deployment: a FORK
        // added when a transport starts would let the other member's frames reach the application
        // until its own transport starts.
        return new JChannel(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(), new NAKACK2(), new UNICAST3(),
                new STABLE(), new GMS().setJoinTimeout(500), new org.jgroups.protocols.FORK());
    }

    @Test
    void oneSidedCutIsHealedWhenTheInitiatorIsDeaf() {
        oneSidedCut(true);
    }

    @Test
    void oneSidedCutIsHealedWhenTheResponderIsDeaf() {
        oneSidedCut(false);
    }

    /**
     * One node stops hearing the other (DISCARD drops what it receives from it, sends pass): the
     * deaf one drops the other from its view while the other may keep it. After the heal the side
     * that kept its admission must not stay half-admitted: the handshake starts afresh.
     */
    private static void oneSidedCut(boolean initiatorDeaf) {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            boolean aInitiates = a.transport().jgroupsAddress().compareTo(b.transport().jgroupsAddress()) < 0;
            Node deaf = aInitiates == initiatorDeaf ? a : b;
            Node other = deaf == a ? b : a;
            deaf.discard().addIgnoreMember(other.transport().jgroupsAddress());
            await(() -> deaf.transport().admittedPeers().isEmpty(), () -> "deaf drops the other");
            add(deaf, "deaf-side");
            add(other, "other-side");
            boolean otherKept = other.transport().admittedPeers().contains(deaf.id());
            deaf.discard().resetIgnoredMembers();
            awaitConverged(List.of(a, b), Set.of("deaf-side", "other-side"), 2);
            c.awaitAdmitted(List.of(a, b));
            await(() -> a.peer(b.id()).up() && b.peer(a.id()).up(), () -> "both engines up");
            System.out.printf("[info] one-sided cut, %s deaf: the other %s its admission during the cut%n",
                    initiatorDeaf ? "initiator" : "responder", otherKept ? "kept" : "dropped");
        }
    }
}
