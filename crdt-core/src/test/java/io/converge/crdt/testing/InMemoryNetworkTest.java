package io.converge.crdt.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.PeerDownReason;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryNetworkTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    private record Arrival(ReplicaId from, byte[] frame) {
    }

    /** A receiver that records what arrives. */
    private static final class Recorder implements FrameTransport.FrameReceiver {
        final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void received(ReplicaId from, byte[] frame) {
            arrivals.add(new Arrival(from, frame));
        }

        @Override
        public void peerUp(ReplicaId peer, long incarnation) {
            events.add("up " + peer + " #" + incarnation);
        }

        @Override
        public void peerDown(ReplicaId peer, PeerDownReason reason) {
            events.add("down " + peer + " " + reason);
        }
    }

    @Test
    void linksDeliverEveryFrameInTheOrderSent() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        try (FrameTransport a = net.transport(); FrameTransport b = net.transport()) {
            a.start(A, ra);
            b.start(B, rb);
            for (int i = 0; i < 1_000; i++) {
                a.send(B, new byte[] {(byte) i, (byte) (i >> 8)});
            }
            for (int i = 0; i < 1_000; i++) {
                Arrival x = rb.arrivals.poll(10, TimeUnit.SECONDS);
                assertTrue(x != null, "frame " + i + " arrived");
                assertEquals(A, x.from());
                assertArrayEquals(new byte[] {(byte) i, (byte) (i >> 8)}, x.frame(), "in the order sent");
            }
            assertEquals(2_000, net.bytes());
            assertTrue(ra.arrivals.isEmpty());
        }
    }

    @Test
    void aPartitionReportsUnreachableAndAHealTheSameIncarnation() {
        InMemoryNetwork net = new InMemoryNetwork(2);
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        try (FrameTransport a = net.transport(); FrameTransport b = net.transport()) {
            a.start(A, ra);
            b.start(B, rb);
            net.partition(java.util.Set.of(A));
            a.send(B, new byte[] {1});
            net.heal();
            assertEquals(List.of("up b #2", "down b UNREACHABLE", "up b #2"), ra.events);
            assertEquals(List.of("up a #1", "down a UNREACHABLE", "up a #1"), rb.events);
            assertTrue(rb.arrivals.isEmpty(), "nothing crosses a partition");
            assertEquals(1, net.dropped());
        }
    }

    @Test
    void aRestartedNodeIsANewIncarnationAndItsOldTransportIsDeaf() {
        InMemoryNetwork net = new InMemoryNetwork(3);
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        FrameTransport a = net.transport();
        FrameTransport oldB = net.transport();
        a.start(A, ra);
        oldB.start(B, rb);
        oldB.close();
        FrameTransport newB = net.transport();
        newB.start(B, new Recorder());
        oldB.send(A, new byte[] {9});
        oldB.close(); // closing again must not remove the new incarnation
        newB.send(A, new byte[] {7});
        assertEquals(List.of("up b #2", "down b REMOVED", "up b #3"), ra.events);
        assertEquals(1, ra.arrivals.size(), "only the new incarnation's frame arrives");
        assertArrayEquals(new byte[] {7}, ra.arrivals.peek().frame());
        a.close();
        newB.close();
    }
}
