package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Only the transport's peer-up admits a peer; an unreachable peer keeps its position, a peer that
 * left or was removed is released, and a new incarnation starts afresh.
 */
class PeerLifecycleTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final SyncConfig CONFIG = SyncConfig.builder().syncInterval(Duration.ofMillis(10))
            .ackTimeout(Duration.ofMillis(500)).heartbeatInterval(Duration.ofSeconds(1)).build();

    private SyncMachine a;
    private SyncMachine b;
    private final List<Output.Send> toA = new ArrayList<>();
    private final List<Output.Send> toB = new ArrayList<>();
    private long now = 1_000_000;

    @BeforeEach
    void twoNodes() {
        a = SyncMachine.create(A, CONFIG);
        b = SyncMachine.create(B, CONFIG);
        stepA(new Input.PeerUp(B, 1));
        stepB(new Input.PeerUp(A, 1));
        settle();
    }

    private void stepA(Input in) {
        toB.addAll(a.step(in, now).sends());
    }

    private void stepB(Input in) {
        toA.addAll(b.step(in, now).sends());
    }

    private void settle() {
        for (int i = 0; i < 100; i++) {
            List<Output.Send> forB = new ArrayList<>(toB);
            List<Output.Send> forA = new ArrayList<>(toA);
            toB.clear();
            toA.clear();
            forB.forEach(s -> stepB(new Input.Received(A, s.message())));
            forA.forEach(s -> stepA(new Input.Received(B, s.message())));
            now += CONFIG.syncIntervalMillis();
            stepA(new Input.Tick());
            stepB(new Input.Tick());
        }
    }

    private void add(String element) {
        UnaryOperator<ReplicatedData<?>> m = s -> castSet(s).add(A, element);
        stepA(new Input.LocalUpdate("s", ORSet.<String>empty(), m));
    }

    @SuppressWarnings("unchecked")
    private static ORSet<String> castSet(ReplicatedData<?> s) {
        return (ORSet<String>) s;
    }

    private long transfers(SyncMachine m) {
        return m.stats().transfers().values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void aMessageFromAReplicaThatIsNotUpIsDroppedAndCounted() {
        SyncMachine lone = SyncMachine.create(ReplicaId.of("lone"), CONFIG);
        Output out = lone.step(new Input.Received(A, new Message.Heartbeat(5, 42)), now);
        assertTrue(out.sends().isEmpty(), "no transfer starts for a stranger");
        assertEquals(1, lone.stats().droppedFromUnknownPeers());
        assertTrue(lone.stats().peers().isEmpty(), "a frame does not make a peer");
    }

    @Test
    void aLateFrameFromAnUnreachablePeerDoesNotBringItBack() {
        stepA(new Input.PeerDown(B, PeerDownReason.UNREACHABLE));
        stepA(new Input.Received(B, new Message.Heartbeat(0, 1)));
        assertFalse(a.stats().peers().get(B).up());
        assertEquals(1, a.stats().droppedFromUnknownPeers());
    }

    @Test
    void aHealAfterUnreachableResumesFromTheAcknowledgedPositionWithoutATransfer() {
        add("x");
        settle();
        long before = transfers(a) + transfers(b);
        long acked = a.stats().peers().get(B).acknowledged();
        stepA(new Input.PeerDown(B, PeerDownReason.UNREACHABLE));
        stepB(new Input.PeerDown(A, PeerDownReason.UNREACHABLE));
        toA.clear();
        toB.clear();
        assertEquals(acked, a.stats().peers().get(B).acknowledged(), "an unreachable peer keeps its position");
        add("y"); // written while cut off
        stepA(new Input.PeerUp(B, 1));
        stepB(new Input.PeerUp(A, 1));
        settle();
        assertEquals(before, transfers(a) + transfers(b), "no full-state transfer on a heal that lost nothing");
        assertTrue(castSet(b.get("s").orElseThrow()).contains("y"));
    }

    @Test
    void aRepeatedPeerUpOfOneIncarnationChangesNothing() {
        add("x");
        settle();
        long before = transfers(a);
        toB.clear();
        stepA(new Input.PeerUp(B, 1));
        stepA(new Input.PeerUp(B, 1));
        assertTrue(toB.isEmpty(), "nothing is sent again");
        settle();
        assertEquals(before, transfers(a));
    }

    @Test
    void aNewIncarnationStartsAfreshWithATransfer() {
        add("x");
        settle();
        long newPeer = a.stats().transfers().get(TransferReason.NEW_PEER);
        b = SyncMachine.create(B, CONFIG); // restarted without its state
        toA.clear();
        toB.clear();
        stepA(new Input.PeerUp(B, 2));
        stepB(new Input.PeerUp(A, 1));
        assertEquals(-1, a.stats().peers().get(B).acknowledged());
        settle();
        assertEquals(newPeer + 1, a.stats().transfers().get(TransferReason.NEW_PEER));
        assertTrue(castSet(b.get("s").orElseThrow()).contains("x"));
    }

    @Test
    void aGoodbyeReleasesThePeerAtOnceAndItNoLongerPinsTheBuffer() {
        toA.clear();
        stepB(new Input.Leave());
        assertTrue(toA.stream().anyMatch(s -> s.message() instanceof Message.Goodbye));
        stepA(new Input.PeerDown(B, PeerDownReason.UNREACHABLE)); // the transport noticed first
        toA.forEach(s -> stepA(new Input.Received(B, s.message())));
        assertEquals(1, a.stats().droppedFromUnknownPeers(), "a goodbye after unreachable comes too late");
        a = SyncMachine.create(A, CONFIG);
        stepA(new Input.PeerUp(B, 1));
        stepA(new Input.Received(B, new Message.Goodbye()));
        assertFalse(a.stats().peers().containsKey(B), "released at once");
        add("x");
        stepA(new Input.Tick());
        assertEquals(0, a.stats().bufferedDeltas(), "nobody pins the buffer");
    }

    @Test
    void aRemovedPeerIsReleasedAndAnUnreachableOneStillPinsTheBuffer() {
        stepA(new Input.PeerDown(B, PeerDownReason.UNREACHABLE));
        add("x");
        stepA(new Input.Tick());
        assertEquals(1, a.stats().bufferedDeltas(), "kept for the unreachable peer's return");
        stepA(new Input.PeerDown(B, PeerDownReason.REMOVED));
        assertEquals(0, a.stats().bufferedDeltas());
        assertTrue(a.stats().peers().isEmpty());
    }
}
