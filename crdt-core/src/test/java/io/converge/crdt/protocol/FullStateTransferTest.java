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
import java.util.TreeSet;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * A full-state transfer between two large stores costs what they differ by: every key's digest
 * travels (in bounded offer chunks), but only the keys whose digests differ are requested, sent,
 * joined, recorded and digested again. Two machines meet with a store of 2,000 keys each,
 * restored (so no delta is buffered and the transfer is all they exchange), and every message is
 * delivered in order with no timer firing.
 */
class FullStateTransferTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    /** The writer of every state: neither machine's own id, so each state is plain input to both. */
    private static final ReplicaId W = ReplicaId.of("w");
    private static final SyncConfig CONFIG = SyncConfig.defaults();
    private static final int KEYS = 2_000;
    private static final Set<String> DIFFERING = new TreeSet<>(List.of("k7", "k400", "k901", "k1333", "k1999"));

    /** Counts the state digests a machine takes. */
    private static final class CountingDigester implements ToLongFunction<ReplicatedData<?>> {
        long calls;

        @Override
        public long applyAsLong(ReplicatedData<?> state) {
            calls++;
            return state.digest();
        }
    }

    /** One message a machine sent, and to whom. */
    private record Sent(ReplicaId from, ReplicaId to, Message message) {
    }

    private final CountingDigester digestsOfA = new CountingDigester();
    private final CountingDigester digestsOfB = new CountingDigester();
    private final List<Sent> sent = new ArrayList<>();
    private final List<Output> outputsOfA = new ArrayList<>();
    private final List<Output> outputsOfB = new ArrayList<>();

    /** Key {@code k<i>} holds element {@code e<i>}, added by {@link #W}. */
    private static Map<String, ReplicatedData<?>> store() {
        Map<String, ReplicatedData<?>> m = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            ORSet<String> s = ORSet.empty();
            m.put("k" + i, s.join(s.add(W, "e" + i)));
        }
        return m;
    }

    /** {@code base} with one more element, added by {@link #W}, in each of {@code keys}. */
    @SuppressWarnings("unchecked")
    private static Map<String, ReplicatedData<?>> newerIn(Map<String, ReplicatedData<?>> base, Set<String> keys) {
        Map<String, ReplicatedData<?>> m = new LinkedHashMap<>(base);
        for (String k : keys) {
            ORSet<String> s = (ORSet<String>) m.get(k);
            m.put(k, s.join(s.add(W, "later")));
        }
        return m;
    }

    /** Brings both machines up to each other and delivers every message until none is left. */
    private void meet(SyncMachine a, SyncMachine b) {
        long now = 1_000_000;
        List<Sent> inFlight = new ArrayList<>();
        collect(inFlight, A, a.step(new Input.PeerUp(B, 1), now), outputsOfA);
        collect(inFlight, B, b.step(new Input.PeerUp(A, 1), now), outputsOfB);
        for (int rounds = 0; !inFlight.isEmpty(); rounds++) {
            assertTrue(rounds < 1_000, "the transfer ends");
            List<Sent> batch = new ArrayList<>(inFlight);
            inFlight.clear();
            for (Sent m : batch) {
                sent.add(m);
                if (m.to().equals(A)) {
                    collect(inFlight, A, a.step(new Input.Received(B, m.message()), now), outputsOfA);
                } else {
                    collect(inFlight, B, b.step(new Input.Received(A, m.message()), now), outputsOfB);
                }
            }
        }
    }

    private static void collect(List<Sent> inFlight, ReplicaId from, Output out, List<Output> outputs) {
        outputs.add(out);
        out.sends().forEach(s -> inFlight.add(new Sent(from, s.to(), s.message())));
    }

    private long count(ReplicaId from, Class<? extends Message> type) {
        return sent.stream().filter(s -> s.from().equals(from) && type.isInstance(s.message())).count();
    }

    private Set<String> keysOfStates(ReplicaId from) {
        Set<String> keys = new TreeSet<>();
        sent.stream().filter(s -> s.from().equals(from) && s.message() instanceof Message.States)
                .forEach(s -> keys.addAll(((Message.States) s.message()).states().keySet()));
        return keys;
    }

    private Set<String> keysRequestedBy(ReplicaId from) {
        Set<String> keys = new TreeSet<>();
        sent.stream().filter(s -> s.from().equals(from) && s.message() instanceof Message.Request)
                .forEach(s -> keys.addAll(((Message.Request) s.message()).keys()));
        return keys;
    }

    private long digestsOffered(ReplicaId from) {
        return sent.stream().filter(s -> s.from().equals(from) && s.message() instanceof Message.Offer)
                .mapToLong(s -> ((Message.Offer) s.message()).digests().size()).sum();
    }

    private static Set<String> changedKeys(List<Output> outputs) {
        Set<String> keys = new TreeSet<>();
        outputs.forEach(o -> o.changes().forEach(c -> keys.add(c.key())));
        return keys;
    }

    private static Set<String> persistedKeys(List<Output> outputs) {
        Set<String> keys = new TreeSet<>();
        outputs.forEach(o -> o.persists().forEach(p -> keys.add(p.key())));
        return keys;
    }

    private SyncMachine machine(ReplicaId id, Map<String, ReplicatedData<?>> restored, CountingDigester digester) {
        return new SyncMachine(id, CONFIG, restored, Map.of(), 0, digester);
    }

    @Test
    void storesThatDifferInFiveKeysSendRequestAndJoinOnlyThoseFive() {
        Map<String, ReplicatedData<?>> older = store();
        Map<String, ReplicatedData<?>> newer = newerIn(older, DIFFERING);
        SyncMachine a = machine(A, older, digestsOfA);
        SyncMachine b = machine(B, newer, digestsOfB);
        digestsOfA.calls = 0;
        digestsOfB.calls = 0;

        meet(a, b);

        int chunks = (KEYS + CONFIG.maxEntriesPerMessage() - 1) / CONFIG.maxEntriesPerMessage();
        for (ReplicaId side : List.of(A, B)) {
            assertEquals(KEYS, digestsOffered(side), "every key's digest is offered by " + side);
            assertEquals(chunks, count(side, Message.Offer.class), "offers come in bounded chunks from " + side);
            // A digest cannot tell which side is newer, so each side asks for the five.
            assertEquals(DIFFERING, keysRequestedBy(side), "only the differing keys are requested by " + side);
            assertEquals(DIFFERING, keysOfStates(side), "only the differing keys' states are sent by " + side);
            assertEquals(0, count(side, Message.Deltas.class), "a restored store buffers nothing to send");
        }
        assertEquals(DIFFERING, changedKeys(outputsOfA), "the older side joins in the five newer states");
        assertEquals(DIFFERING, persistedKeys(outputsOfA), "and records only those");
        assertEquals(Set.of(), changedKeys(outputsOfB), "the newer side already holds what it was sent");
        assertEquals(5, digestsOfA.calls, "only the five states that changed are digested again");
        assertEquals(0, digestsOfB.calls, "offers and comparisons use the digests taken when states were stored");
        assertEquals(a.storeDigest(), b.storeDigest());
        for (String k : DIFFERING) {
            assertEquals(newer.get(k), a.get(k).orElseThrow());
        }
    }

    @Test
    void storesThatAgreeExchangeDigestsAndAcknowledgementsOnly() {
        Map<String, ReplicatedData<?>> same = store();
        SyncMachine a = machine(A, same, digestsOfA);
        // Equal states, none the same object: as a peer's decoded copy would be.
        SyncMachine b = machine(B, store(), digestsOfB);
        digestsOfA.calls = 0;
        digestsOfB.calls = 0;

        meet(a, b);

        for (ReplicaId side : List.of(A, B)) {
            assertEquals(KEYS, digestsOffered(side));
            for (Sent s : sent) {
                if (s.from().equals(side)) {
                    assertTrue(s.message() instanceof Message.Offer || s.message() instanceof Message.Ack,
                            side + " sent a " + s.message().getClass().getSimpleName());
                }
            }
            assertEquals(1, count(side, Message.Ack.class), "the other side's transfer is acknowledged by " + side);
        }
        assertEquals(Set.of(), changedKeys(outputsOfA));
        assertEquals(Set.of(), changedKeys(outputsOfB));
        assertEquals(0, digestsOfA.calls + digestsOfB.calls, "no state is digested to compare offers");
        assertEquals(0, a.stats().peers().get(B).lag(), "b acknowledged all of a");
        assertEquals(0, b.stats().peers().get(A).lag(), "a acknowledged all of b");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aLargeKeyThatDiffersInAFewElementsIsRecordedAsThoseElementsNotWhole() {
        // One key of 20,000 elements on both; b then added 3 and removed 2, so a receives adds and removals.
        ORSet<String> base = ORSet.empty();
        List<String> elements = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            elements.add("e" + i);
        }
        base = base.join(base.addAll(W, elements));
        ORSet<String> newer = base;
        for (String e : List.of("new-1", "new-2", "new-3")) {
            newer = newer.join(newer.add(W, e));
        }
        for (String e : List.of("e5", "e17000")) {
            newer = newer.join(newer.remove(e));
        }
        SyncMachine a = machine(A, Map.of("big", base), digestsOfA);
        SyncMachine b = machine(B, Map.of("big", newer), digestsOfB);

        meet(a, b);

        assertTrue(sent.stream().anyMatch(m -> m.from().equals(B) && m.message() instanceof Message.StatePart sp
                && sp.key().equals("big")), "b sends the key's state, in parts: it is larger than a message");
        List<Output.Persist> persisted = new ArrayList<>();
        outputsOfA.forEach(o -> persisted.addAll(o.persists()));
        assertEquals(1, persisted.size(), "a records the key once");
        ORSet<String> recorded = (ORSet<String>) persisted.get(0).delta();
        assertEquals(Set.of("new-1", "new-2", "new-3"), recorded.value(),
                "what a logs and forwards holds the 3 new elements, not the 20,001 of b's state");
        assertEquals(newer.value(), base.join(recorded).value(), "and joined to a's state gives b's, removals included");
        assertEquals(newer, base.join(recorded));
        assertEquals(0, a.stats().peers().get(B).lag(), "b acknowledged all of a");
    }
}
