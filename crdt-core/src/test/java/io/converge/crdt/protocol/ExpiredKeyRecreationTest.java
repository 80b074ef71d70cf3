package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A key with a time to live that expired on one replica and is written there again, while a peer
 * whose clock lags still holds the earlier life: the new life mints dots above every dot the
 * writer issued before (crdt.md §2), so the peer takes it as a new write, not as a reused dot, and
 * drops what it held of the old life. Each machine has its own clock, moved by the test.
 */
class ExpiredKeyRecreationTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final long TTL = 1_000;
    private static final long T0 = 1_700_000_000_000L;

    private static final SyncConfig CONFIG = SyncConfig.builder().syncInterval(java.time.Duration.ofMillis(10))
            .ackTimeout(java.time.Duration.ofSeconds(5)).build();

    private final SyncMachine a = SyncMachine.create(A, CONFIG);
    private final SyncMachine b = SyncMachine.create(B, CONFIG);
    private final List<Output.Contradiction> contradictions = new ArrayList<>();
    private long nowA = T0;
    private long nowB = T0;

    private List<Output.Send> step(SyncMachine m, Input in) {
        Output out = m.step(in, m == a ? nowA : nowB);
        contradictions.addAll(out.contradictions());
        return out.sends();
    }

    /** Delivers every message, both ways, until the link is quiet. */
    private void exchange(List<Output.Send> fromA, List<Output.Send> fromB) {
        List<Output.Send> toB = new ArrayList<>(fromA);
        List<Output.Send> toA = new ArrayList<>(fromB);
        for (int rounds = 0; rounds < 100 && !(toA.isEmpty() && toB.isEmpty()); rounds++) {
            List<Output.Send> nextToB = new ArrayList<>();
            List<Output.Send> nextToA = new ArrayList<>();
            for (Output.Send s : toB) {
                nextToA.addAll(step(b, new Input.Received(A, s.message())));
            }
            for (Output.Send s : toA) {
                nextToB.addAll(step(a, new Input.Received(B, s.message())));
            }
            toB = nextToB;
            toA = nextToA;
        }
        assertTrue(toA.isEmpty() && toB.isEmpty(), "the link went quiet");
    }

    /** Both clocks move one sync interval and both machines send what they buffered. */
    private void sync() {
        for (int i = 0; i < 5; i++) {
            nowA += CONFIG.syncIntervalMillis();
            nowB += CONFIG.syncIntervalMillis();
            exchange(step(a, new Input.Tick()), step(b, new Input.Tick()));
        }
    }

    private void link() {
        exchange(step(a, new Input.PeerUp(B, 0)), step(b, new Input.PeerUp(A, 0)));
        sync();
    }

    @SuppressWarnings("unchecked")
    private void write(UnaryOperator<ORSet<String>> op) {
        exchange(step(a, new Input.LocalUpdate("session", ORSet.<String>empty(),
                s -> op.apply((ORSet<String>) s), TTL)), List.of());
        sync();
    }

    private static Set<?> value(SyncMachine m) {
        return ((ORSet<?>) m.get("session").orElseThrow()).value();
    }

    @Test
    void aPeerThatHasNotExpiredTheKeyTakesItsNextLifeAsANewWrite() {
        link();
        write(s -> s.add(A, "old-1"));
        write(s -> s.add(A, "old-2"));
        assertEquals(Set.of("old-1", "old-2"), value(b));

        nowA += TTL + 1; // a's clock runs ahead: the lease lapses on a only
        exchange(step(a, new Input.Tick()), List.of());
        assertTrue(a.get("session").isEmpty(), "expired on a");
        assertTrue(b.get("session").isPresent(), "b's clock lags: it still holds the old life");

        write(s -> s.add(A, "new"));

        assertEquals(List.of(), contradictions, "no reused dot: the new life's dots are above the old ones");
        assertEquals(Set.of("new"), value(a));
        assertEquals(Set.of("new"), value(b), "the new life's context removes what b held of the old one");
        assertEquals(a.get("session"), b.get("session"));

        nowB += TTL + 1; // b passes the old expiry: the new write renewed the lease there
        exchange(List.of(), step(b, new Input.Tick()));
        assertEquals(Set.of("new"), value(b));
        assertEquals(a.stats().storeDigest(), b.stats().storeDigest());
    }

    @Test
    void theDotFloorCoversTheExpiredLifeAndNeverGoesDown() {
        link();
        write(s -> s.add(A, "x"));
        write(s -> s.add(A, "y"));
        write(s -> s.add(A, "z"));
        assertEquals(0, a.dotFloor(), "nothing was dropped yet");
        nowA += TTL + 1;
        step(a, new Input.Tick());
        assertEquals(3, a.dotFloor());
        write(s -> s.add(A, "w"));
        assertEquals(4, ((ORSet<?>) a.get("session").orElseThrow()).context().max(A), "minted (a,4), not (a,1)");
        assertTrue(a.dotFloor() >= 3);
    }

    @Test
    void aLeaseRenewedElsewhereCarryingTheOldLifesDotsIsNotTakenForAReusedId() {
        link();
        write(s -> s.add(A, "shared"));
        nowA += TTL + 1;
        step(a, new Input.Tick());
        assertTrue(a.get("session").isEmpty());
        // b, whose clock lags, adds the same element again: its delta covers (a,1) and renews the
        // lease past a's clock, so a joins it instead of dropping it as a copy of an expired key.
        nowB += TTL / 2;
        exchange(List.of(), step(b, new Input.LocalUpdate("session", ORSet.<String>empty(),
                s -> ((ORSet<String>) s).add(B, "shared"), TTL)));
        sync();
        assertEquals(List.of(), contradictions,
                "(a,1) is below a's dot floor: a issued it in the expired life, nobody reused a's id");
        assertEquals(Set.of("shared"), value(a));
        assertTrue(!a.stats().replicaIdReused());
    }

    @Test
    void aFreshKeyStartsAboveTheFloorToo() {
        link();
        write(s -> s.add(A, "x"));
        write(s -> s.add(A, "y"));
        nowA += TTL + 1;
        step(a, new Input.Tick());
        exchange(step(a, new Input.LocalUpdate("other", ORSet.<String>empty(),
                s -> ((ORSet<String>) s).add(A, "v"), 0)), List.of());
        sync();
        assertEquals(3, ((ORSet<?>) a.get("other").orElseThrow()).context().max(A));
        assertEquals(a.get("other"), b.get("other"), "its first delta carries the floor: no gap on b");
        assertEquals(List.of(), contradictions);
    }
}
