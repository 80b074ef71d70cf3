package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.CrdtTypeMismatchException;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Several local updates in one machine step ({@link Input.LocalUpdates}): the driver's group commit. */
class LocalUpdatesTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final long NOW = 1_000_000;

    private static Input.LocalUpdate increment(String key, long by) {
        return new Input.LocalUpdate(key, PNCounter.empty(), s -> ((PNCounter) s).increment(A, by));
    }

    private static Input.LocalUpdate add(String key, String element) {
        UnaryOperator<ReplicatedData<?>> m = s -> {
            @SuppressWarnings("unchecked")
            ORSet<String> set = (ORSet<String>) s;
            return set.add(A, element);
        };
        return new Input.LocalUpdate(key, ORSet.<String>empty(), m);
    }

    private static long counter(Output.Outcome o) {
        return ((PNCounter) assertInstanceOf(Output.Applied.class, o).state()).value();
    }

    @Test
    void eachUpdateOfABatchSeesTheStateThePreviousLeft() {
        SyncMachine m = SyncMachine.create(A, SyncConfig.defaults());
        Output out = m.step(new Input.LocalUpdates(List.of(increment("c", 1), increment("c", 2), increment("c", 3))), NOW);
        assertEquals(3, out.outcomes().size());
        assertEquals(1, counter(out.outcomes().get(0)));
        assertEquals(3, counter(out.outcomes().get(1)));
        assertEquals(6, counter(out.outcomes().get(2)));
        assertEquals(6, ((PNCounter) m.get("c").orElseThrow()).value());
    }

    @Test
    void aBatchRecordsAndBuffersOneJoinedDeltaPerKey() {
        SyncMachine m = SyncMachine.create(A, SyncConfig.defaults());
        List<Input.LocalUpdate> updates = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            updates.add(add(i % 2 == 0 ? "even" : "odd", "e" + i));
        }
        Output out = m.step(new Input.LocalUpdates(updates), NOW);
        assertEquals(10, out.outcomes().size());
        assertEquals(2, out.persists().size(), "one record per key");
        assertEquals(2, m.bufferedDeltas(), "one buffered delta per key");
        assertEquals(2, m.sequence());
        assertEquals(2, out.changes().size(), "one change per key");
        Output.Persist even = out.persists().get(0);
        assertEquals("even", even.key());
        assertEquals(Set.of("e0", "e2", "e4", "e6", "e8"), ((ORSet<?>) even.delta()).value());
        Output.Change change = out.changes().get(0);
        assertTrue(change.before().isEmpty(), "the key was new before the batch");
        assertEquals(m.get("even").orElseThrow(), change.after());
    }

    @Test
    void aFailingMutationFailsOnlyItsOwnUpdateInABatch() {
        SyncMachine m = SyncMachine.create(A, SyncConfig.defaults());
        IllegalArgumentException boom = new IllegalArgumentException("boom (expected by the test)");
        Input.LocalUpdate failing = new Input.LocalUpdate("c", PNCounter.empty(), s -> {
            throw boom;
        });
        Input.LocalUpdate wrongType = add("c", "x");
        Output out = m.step(new Input.LocalUpdates(List.of(increment("c", 1), failing, wrongType, increment("c", 2))), NOW);
        assertEquals(1, counter(out.outcomes().get(0)));
        assertSame(boom, assertInstanceOf(Output.Failed.class, out.outcomes().get(1)).error());
        assertInstanceOf(CrdtTypeMismatchException.class,
                assertInstanceOf(Output.Failed.class, out.outcomes().get(2)).error());
        assertEquals(3, counter(out.outcomes().get(3)), "the update after the failures saw the first one only");
        assertEquals(3, ((PNCounter) m.get("c").orElseThrow()).value());
        assertEquals(1, out.persists().size());
    }

    @Test
    void anErrorInAMutationLeavesTheMachineAsItWas() {
        SyncMachine m = SyncMachine.create(A, SyncConfig.defaults());
        m.step(increment("c", 5), NOW);
        long digest = m.storeDigest();
        Input.LocalUpdate fatal = new Input.LocalUpdate("c", PNCounter.empty(), s -> {
            throw new AssertionError("an Error (expected by the test)");
        });
        assertThrows(AssertionError.class,
                () -> m.step(new Input.LocalUpdates(List.of(increment("c", 1), increment("d", 1), fatal)), NOW));
        assertEquals(5, ((PNCounter) m.get("c").orElseThrow()).value());
        assertTrue(m.get("d").isEmpty());
        assertEquals(1, m.sequence());
        assertEquals(digest, m.storeDigest());
    }

    @Test
    void aSingleFailingUpdateReportsItsFailureInsteadOfThrowing() {
        SyncMachine m = SyncMachine.create(A, SyncConfig.defaults());
        Output out = m.step(new Input.LocalUpdate("c", PNCounter.empty(), s -> null), NOW);
        assertInstanceOf(NullPointerException.class, assertInstanceOf(Output.Failed.class, out.outcomes().get(0)).error());
        assertTrue(out.persists().isEmpty() && out.changes().isEmpty());
        assertEquals(0, m.sequence());
    }

    @Test
    void updatesThatChangeNothingRecordNothing() {
        SyncMachine m = SyncMachine.create(A, SyncConfig.defaults());
        m.step(add("s", "x"), NOW);
        Input.LocalUpdate noop = new Input.LocalUpdate("s", ORSet.<String>empty(), s -> ORSet.<String>empty());
        Output out = m.step(new Input.LocalUpdates(List.of(noop, noop)), NOW);
        assertEquals(m.get("s").orElseThrow(), assertInstanceOf(Output.Applied.class, out.outcomes().get(1)).state());
        assertTrue(out.persists().isEmpty() && out.changes().isEmpty());
        assertEquals(1, m.sequence());
    }

    @Test
    void updatesThatChangeNothingStillRenewATimeToLiveOnce() {
        SyncMachine m = SyncMachine.create(A, SyncConfig.defaults());
        m.step(new Input.LocalUpdate("s", ORSet.<String>empty(), add("s", "x").mutation(), 100), NOW);
        assertEquals(NOW + 100, m.expiry("s").orElseThrow());
        Input.LocalUpdate touch = new Input.LocalUpdate("s", ORSet.<String>empty(), s -> ORSet.<String>empty(), 100);
        Output out = m.step(new Input.LocalUpdates(List.of(touch, touch, touch)), NOW + 50);
        assertEquals(1, out.persists().size(), "one renewal record for the key");
        assertEquals(NOW + 150, out.persists().get(0).expiresAt());
        assertEquals(NOW + 150, m.expiry("s").orElseThrow());
        assertEquals(Set.of("x"), ((ORSet<?>) m.get("s").orElseThrow()).value());
    }

    @Test
    void aPeerReceivesABatchAsOneIntervalAndConverges() {
        SyncMachine a = SyncMachine.create(A, SyncConfig.defaults());
        SyncMachine b = SyncMachine.create(B, SyncConfig.defaults());
        List<Output.Send> toB = new ArrayList<>(a.step(new Input.PeerUp(B, 0), NOW).sends());
        List<Output.Send> toA = new ArrayList<>(b.step(new Input.PeerUp(A, 0), NOW).sends());
        settle(a, b, toB, toA);
        List<Input.LocalUpdate> updates = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            updates.add(add("s", "e" + i));
            updates.add(increment("c", 1));
        }
        toB.addAll(a.step(new Input.LocalUpdates(updates), NOW + 1).sends());
        Message.Deltas interval = (Message.Deltas) toB.stream().map(Output.Send::message)
                .filter(Message.Deltas.class::isInstance).findFirst().orElseThrow();
        assertEquals(Set.of("s", "c"), interval.deltas().keySet());
        assertEquals(2, interval.end() - interval.start(), "two buffer positions for 100 updates");
        settle(a, b, toB, toA);
        assertEquals(a.get("s"), b.get("s"));
        assertEquals(50, ((PNCounter) b.get("c").orElseThrow()).value());
        assertEquals(a.storeDigest(), b.storeDigest());
    }

    private static void settle(SyncMachine a, SyncMachine b, List<Output.Send> toB, List<Output.Send> toA) {
        for (int round = 0; round < 100 && !(toA.isEmpty() && toB.isEmpty()); round++) {
            List<Output.Send> forB = new ArrayList<>(toB);
            List<Output.Send> forA = new ArrayList<>(toA);
            toB.clear();
            toA.clear();
            for (Output.Send s : forB) {
                toA.addAll(b.step(new Input.Received(A, s.message()), NOW + 1).sends());
            }
            for (Output.Send s : forA) {
                toB.addAll(a.step(new Input.Received(B, s.message()), NOW + 1).sends());
            }
        }
        assertTrue(toA.isEmpty() && toB.isEmpty(), "settled");
        assertEquals(Map.of(B, a.sequence()), a.acknowledged());
    }
}
