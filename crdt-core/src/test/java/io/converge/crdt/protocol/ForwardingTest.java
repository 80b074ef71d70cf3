package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who forwards what in a full mesh: a replica does not forward a live origin's deltas (the origin
 * sends them to everyone itself), and a receiver whose interval would leave a causal gap waits for
 * the missing deltas instead of asking for a transfer at once.
 */
class ForwardingTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final SyncConfig CONFIG = SyncConfig.builder().syncInterval(java.time.Duration.ofMillis(10))
            .ackTimeout(java.time.Duration.ofSeconds(1)).build();

    private record InFlight(ReplicaId from, ReplicaId to, Message message) {
    }

    private final Map<ReplicaId, SyncMachine> nodes = new LinkedHashMap<>();
    private final List<InFlight> inFlight = new ArrayList<>();
    private final List<InFlight> delivered = new ArrayList<>();
    private long now = 1_000_000;

    @BeforeEach
    void meshOfThree() {
        for (ReplicaId id : List.of(A, B, C)) {
            nodes.put(id, SyncMachine.create(id, CONFIG));
        }
        for (ReplicaId id : nodes.keySet()) {
            for (ReplicaId peer : nodes.keySet()) {
                if (!peer.equals(id)) {
                    collect(id, nodes.get(id).step(new Input.PeerUp(peer, 0), now));
                }
            }
        }
        settle();
        delivered.clear();
    }

    private void collect(ReplicaId from, Output out) {
        for (Output.Send s : out.sends()) {
            inFlight.add(new InFlight(from, s.to(), s.message()));
        }
    }

    private void tickAll() {
        now += CONFIG.syncIntervalMillis();
        for (Map.Entry<ReplicaId, SyncMachine> e : nodes.entrySet()) {
            collect(e.getKey(), e.getValue().step(new Input.Tick(), now));
        }
    }

    /** Delivers the messages in flight that match, in order, and what they cause. */
    private void deliver(Predicate<InFlight> which) {
        boolean any = true;
        while (any) {
            any = false;
            for (InFlight f : new ArrayList<>(inFlight)) {
                if (which.test(f)) {
                    inFlight.remove(f);
                    delivered.add(f);
                    collect(f.to(), nodes.get(f.to()).step(new Input.Received(f.from(), f.message()), now));
                    any = true;
                    break;
                }
            }
        }
    }

    private void settle() {
        for (int i = 0; i < 200 && !(inFlight.isEmpty() && i > 3); i++) {
            deliver(f -> true);
            tickAll();
        }
    }

    private void update(ReplicaId at, String key, UnaryOperator<ORSet<String>> mutation) {
        UnaryOperator<ReplicatedData<?>> m = s -> {
            @SuppressWarnings("unchecked")
            ORSet<String> set = (ORSet<String>) s;
            return mutation.apply(set);
        };
        collect(at, nodes.get(at).step(new Input.LocalUpdate(key, ORSet.<String>empty(), m), now));
    }

    @SuppressWarnings("unchecked")
    private Set<String> elements(ReplicaId at) {
        return nodes.get(at).get("s").map(v -> ((ORSet<String>) v).value()).orElse(Set.of());
    }

    private long sent(Class<? extends Message> type, ReplicaId from) {
        return delivered.stream().filter(f -> f.from().equals(from) && type.isInstance(f.message())).count();
    }

    private static Predicate<InFlight> link(ReplicaId from, ReplicaId to) {
        return f -> f.from().equals(from) && f.to().equals(to);
    }

    @Test
    void aLiveOriginsDeltaIsNotForwarded() {
        update(A, "s", s -> s.add(A, "x"));
        tickAll();
        deliver(link(A, C));
        tickAll();
        deliver(link(C, B));
        assertTrue(elements(B).isEmpty(), "C does not forward A's add while A is up");
        deliver(link(A, B));
        assertEquals(Set.of("x"), elements(B));
    }

    @Test
    void aDownOriginsDeltaIsForwarded() {
        update(A, "s", s -> s.add(A, "x"));
        tickAll();
        deliver(link(A, C));
        inFlight.removeIf(f -> f.from().equals(A)); // A crashes before B hears from it
        collect(C, nodes.get(C).step(new Input.PeerDown(A, io.converge.crdt.protocol.PeerDownReason.UNREACHABLE), now));
        collect(B, nodes.get(B).step(new Input.PeerDown(A, io.converge.crdt.protocol.PeerDownReason.UNREACHABLE), now));
        tickAll();
        deliver(link(C, B));
        assertEquals(Set.of("x"), elements(B));
    }

    /** A adds w then x (two intervals); C receives both, B neither yet (they stay in flight). */
    private void twoAddsReachCOnly() {
        update(A, "s", s -> s.add(A, "w"));
        deliver(link(A, C));
        deliver(link(C, A));
        update(A, "s", s -> s.add(A, "x"));
        tickAll();
        deliver(link(A, C));
        deliver(link(C, A));
        assertEquals(Set.of("w", "x"), elements(C));
        assertTrue(elements(B).isEmpty());
    }

    private boolean inFlightAck(ReplicaId from, ReplicaId to) {
        return inFlight.stream().anyMatch(f -> link(from, to).test(f) && f.message() instanceof Message.Ack);
    }

    @Test
    void anIntervalThatOvertakesTheDeltasItBuildsOnWaitsForThemInsteadOfATransfer() {
        twoAddsReachCOnly();
        update(C, "s", s -> s.remove("x")); // names A's second dot: B has seen none of A's
        tickAll();
        deliver(link(C, B));
        assertTrue(elements(B).isEmpty(), "the interval waits: joining it would leave a gap");
        assertTrue(!inFlightAck(B, C), "and is not acknowledged yet");
        assertEquals(0, sent(Message.Nack.class, B));
        deliver(link(A, B));
        assertEquals(Set.of("w"), elements(B), "A's adds arrived, and C's remove was joined after them");
        assertTrue(inFlightAck(B, C), "B acknowledged C's interval");
        assertEquals(0, sent(Message.Nack.class, B), "no transfer was needed");
        settle();
        for (ReplicaId id : nodes.keySet()) {
            assertEquals(Set.of("w"), elements(id), id.toString());
        }
    }

    @Test
    void aGapThatDoesNotFillWithinAnAckTimeoutGetsATransfer() {
        twoAddsReachCOnly();
        update(C, "s", s -> s.remove("x"));
        tickAll();
        deliver(link(C, B));
        assertEquals(0, sent(Message.Nack.class, B));
        // A's intervals to B are lost (A stays up, so C does not forward them). C resends its
        // interval after the ack timeout, the gap is still there, and B asks for a transfer.
        Predicate<InFlight> lost = f -> link(A, B).test(f) && f.message() instanceof Message.Deltas;
        for (int i = 0; i < 3 * CONFIG.ackTimeoutMillis() / CONFIG.syncIntervalMillis(); i++) {
            inFlight.removeIf(lost);
            tickAll();
            deliver(lost.negate());
        }
        assertTrue(sent(Message.Nack.class, B) >= 1, "a persistent gap ends in a transfer");
        assertEquals(Set.of("w"), elements(B), "the transfer brought A's adds and C's remove");
        settle();
        for (ReplicaId id : nodes.keySet()) {
            assertEquals(Set.of("w"), elements(id), id.toString());
        }
    }

    /**
     * A reaches B, B reaches C, A does not reach C, and everybody keeps writing: A's writes reach
     * C through B within a few sync intervals (and C's reach A), not only once links go quiet.
     */
    @Test
    void writesCrossANonTransitivePartitionThroughTheMiddleNodeWhileEveryoneWrites() {
        update(A, "s", s -> s.add(A, "before"));
        settle();
        Predicate<InFlight> cut = f -> (f.from().equals(A) && f.to().equals(C)) || (f.from().equals(C) && f.to().equals(A));
        inFlight.removeIf(cut);
        collect(A, nodes.get(A).step(new Input.PeerDown(C, PeerDownReason.UNREACHABLE), now));
        collect(C, nodes.get(C).step(new Input.PeerDown(A, PeerDownReason.UNREACHABLE), now));
        long cutAt = now;
        long aReachedC = -1;
        long cReachedA = -1;
        for (int round = 0; round < 200 && (aReachedC < 0 || cReachedA < 0); round++) {
            int n = round;
            update(A, "s", s -> s.add(A, "a" + n));
            update(B, "b", s -> s.add(B, "b" + n));
            update(C, "c", s -> s.add(C, "c" + n));
            tickAll();
            inFlight.removeIf(cut);
            deliver(cut.negate());
            if (aReachedC < 0 && elements(C).contains("a0")) {
                aReachedC = now - cutAt;
            }
            @SuppressWarnings("unchecked")
            boolean aHasC0 = nodes.get(A).get("c").map(v -> ((ORSet<String>) v).contains("c0")).orElse(false);
            if (cReachedA < 0 && aHasC0) {
                cReachedA = now - cutAt;
            }
        }
        assertTrue(aReachedC > 0 && aReachedC <= 10 * CONFIG.syncIntervalMillis(),
                "A's first write after the cut reached C through B in " + aReachedC + " ms");
        assertTrue(cReachedA > 0 && cReachedA <= 10 * CONFIG.syncIntervalMillis(),
                "C's first write after the cut reached A through B in " + cReachedA + " ms");
        assertTrue(elements(C).contains("before"));
    }
}
