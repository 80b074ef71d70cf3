package io.converge.net;

import static io.converge.net.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.PeerDownReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.jgroups.protocols.DISCARD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@link FrameTransport} contract, checked on the JGroups transport without a replicator. */
class TransportContractTest {
    /** Records what the transport reports, in order. */
    static final class Recorder implements FrameTransport.FrameReceiver {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final List<byte[]> frames = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void received(ReplicaId from, byte[] frame) {
            frames.add(frame);
        }

        @Override
        public void peerUp(ReplicaId peer, long incarnation) {
            events.add("up " + peer + " " + incarnation);
        }

        @Override
        public void peerDown(ReplicaId peer, PeerDownReason reason) {
            events.add("down " + peer + " " + reason);
        }

        List<String> events() {
            synchronized (events) {
                return List.copyOf(events);
            }
        }
    }

    private final String cluster = "c-" + UUID.randomUUID();
    private final ClusterSecret secret = ClusterSecret.random();

    private JGroupsTransport transport(DISCARD discard, int maxFrames, long maxBytes) {
        return JGroupsTransport.builder().clusterName(cluster).secret(secret).inJvm()
                .failureDetectionTimeout(TestCluster.FD).mergeInterval(TestCluster.MERGE).maxQueued(maxFrames, maxBytes)
                .stackCustomizer(s -> {
                    s.add(1, discard);
                    return s;
                }).build();
    }

    @Test
    void framesArriveInOrderAndPeersGoUpOncePerEpisodeAcrossAPartition() {
        DISCARD da = new DISCARD();
        ReplicaId a = ReplicaId.of("a");
        ReplicaId b = ReplicaId.of("b");
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        try (JGroupsTransport ta = transport(da, 4096, 1 << 20); JGroupsTransport tb = transport(new DISCARD(), 4096,
                1 << 20)) {
            ta.start(a, ra);
            tb.start(b, rb);
            await(() -> ta.admittedPeers().contains(b) && tb.admittedPeers().contains(a), () -> "admitted");
            // The second byte is where the sync codec puts a message type; 0x7E is none of its
            // types, so these frames travel regular (in order), as deltas and transfers do.
            for (int i = 0; i < 1000; i++) {
                ta.send(b, new byte[] {1, 0x7E, (byte) (i >> 8), (byte) i});
            }
            await(() -> rb.frames.size() == 1000, () -> "1000 frames, got " + rb.frames.size());
            for (int i = 0; i < 1000; i++) {
                assertArrayEquals(new byte[] {1, 0x7E, (byte) (i >> 8), (byte) i}, rb.frames.get(i), "frame " + i);
            }
            assertEquals(List.of("up b " + tb.incarnation()), ra.events());

            da.discardAll(true);
            await(() -> ra.events().size() == 2 && rb.events().size() == 2, () -> "down: " + ra.events());
            da.discardAll(false);
            await(() -> ra.events().size() == 3 && rb.events().size() == 3, () -> "up again: " + ra.events());
            assertEquals(List.of("up b " + tb.incarnation(), "down b UNREACHABLE", "up b " + tb.incarnation()),
                    ra.events());
            assertEquals(List.of("up a " + ta.incarnation(), "down a UNREACHABLE", "up a " + ta.incarnation()),
                    rb.events());
        }
    }

    @Test
    void framesOverTheQueueCapsOrToUnknownPeersAreDroppedAndCounted() {
        ReplicaId a = ReplicaId.of("a");
        ReplicaId b = ReplicaId.of("b");
        Recorder rb = new Recorder();
        try (JGroupsTransport ta = transport(new DISCARD(), 8, 4096); JGroupsTransport tb = transport(new DISCARD(),
                8, 4096)) {
            ta.start(a, new Recorder());
            tb.start(b, rb);
            await(() -> ta.admittedPeers().contains(b) && tb.admittedPeers().contains(a), () -> "admitted");
            ta.send(b, new byte[4097]); // above the byte cap: dropped at once, never blocks
            ta.send(ReplicaId.of("nobody"), new byte[] {1});
            assertEquals(2, ta.stats().droppedOutbound());
            ta.send(b, new byte[] {1, 42});
            await(() -> rb.frames.size() == 1, () -> "the small frame passes");
            assertArrayEquals(new byte[] {1, 42}, rb.frames.get(0));
            assertThrows(IllegalArgumentException.class, () -> JGroupsTransport.builder().maxQueued(8, 4095));
        }
    }

    @Test
    void secretsComeFromBase64FilesAndNeverShowInErrors(@TempDir Path dir) throws Exception {
        byte[] raw = new byte[40];
        raw[0] = 7;
        Path f = dir.resolve("secret");
        Files.writeString(f, Base64.getEncoder().encodeToString(raw) + "\n");
        assertArrayEquals(raw, ClusterSecret.fromFile(f).bytes());
        Files.writeString(f, "not base64 at all: hunter2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterSecret.fromFile(f));
        assertTrue(!e.getMessage().contains("hunter2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClusterSecret.fromEnv("CONVERGE_TEST_" + UUID.randomUUID()
                .toString().replace('-', '_')));
    }
}
