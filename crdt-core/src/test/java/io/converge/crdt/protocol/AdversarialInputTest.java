package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.DecodeException;
import io.converge.crdt.codec.JsonCodec;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.codec.MessageCorpus;
import io.converge.crdt.codec.ValueCodec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A live machine fed what hostile admitted peers can send: every message of the message fuzz that
 * its codec accepts ({@link MessageCorpus}, mutated and resealed frames of every type) and
 * hand-made adversarial ones: counters and dot counters at {@link VersionVector#MAX_COUNTER} and
 * just below, reused dots with other payloads, elements and keys whose {@code hashCode}s collide,
 * state parts with absurd counts and sequence numbers, offer and request floods, acks of
 * positions never sent, read replies never asked for, messages from a replica that is not up,
 * goodbyes and returns. Every message reaches the machine as the engine's would: encoded, then
 * decoded by the machine's codec.
 *
 * <p>After every step: it returned normally, {@link MachineStats} bounds hold, and an honest local
 * update succeeds. Every {@value #CONVERGE_EVERY} steps the victim and an honest peer exchange
 * messages (encoded and decoded, through their own codecs) until quiescent, on virtual time: the
 * honest updates of each reached the other, and both hold equal stores (digests). Replicas start
 * afresh every {@value #WORLD_STEPS} steps. {@code -Dconverge.fuzz.cases=N} sets the number of
 * steps (default 5000; {@code -Pfuzz} a million), {@code -Dconverge.fuzz.seed=S} replays a run.
 */
class AdversarialInputTest {
    private static final int CASES = Integer.getInteger("converge.fuzz.cases", 5000);
    private static final long SEED = Long.getLong("converge.fuzz.seed", System.nanoTime());
    private static final int CONVERGE_EVERY = 16;
    private static final int WORLD_STEPS = 512;
    private static final long MAX = VersionVector.MAX_COUNTER;

    private static final ReplicaId VICTIM = ReplicaId.of("honest-1");
    private static final ReplicaId HONEST = ReplicaId.of("honest-2");
    /** The hostile peers are the writers of the corpus values: they send their own dots, and each other's. */
    private static final List<ReplicaId> HOSTILE = MessageCorpus.WRITERS;
    private static final ReplicaId GHOST = ReplicaId.of("ghost");
    private static final SyncConfig CONFIG = SyncConfig.builder().maxMessageBytes(1024).bufferMaxBytes(16 * 1024)
            .bufferMaxEntries(64).maxPartsPerKey(32).assemblyMaxBytesPerTransfer(3 * 1024).assemblyMaxBytes(4 * 1024)
            .maxTransfersPerPeerPerMinute(2).ackTimeout(Duration.ofMillis(500)).build();
    /**
     * The honest peer's: the victim's message size, but room to assemble any key the victim holds
     * (with the victim's bounds a key above 3 KiB could never reach it by transfer).
     */
    private static final SyncConfig HONEST_CONFIG = SyncConfig.builder().maxMessageBytes(1024)
            .ackTimeout(Duration.ofMillis(500)).build();

    private static final JsonCodec<ORSet<String>> SET_JSON = JsonCodec.of(new TypeReference<ORSet<String>>() { });
    private static final JsonCodec<ORSet<Long>> LONGS_JSON = JsonCodec.of(new TypeReference<ORSet<Long>>() { });
    /** Keys whose String hashCodes collide. */
    private static final List<String> COLLIDING_KEYS = List.of("AaAa", "AaBB", "BBAa", "BBBB");

    private final Random rnd = new Random(SEED);
    private final MessageCorpus corpus = new MessageCorpus(rnd);
    private final Map<String, Integer> tally = new TreeMap<>();

    /** Binds the keys of the corpus, the adversarial ones and the honest ones. */
    private CodecRegistry registry() {
        CodecRegistry r = corpus.registry();
        r.bind("honest", CrdtCodecs.orSet(ValueCodec.string()));
        r.bind("honest-g", CrdtCodecs.gCounter());
        r.bind("honest-c", CrdtCodecs.causalCounter());
        r.bind("adv-g", CrdtCodecs.gCounter());
        r.bind("adv-p", CrdtCodecs.pnCounter());
        r.bind("adv-c", CrdtCodecs.causalCounter());
        r.bind("adv-s", CrdtCodecs.orSet(ValueCodec.string()));
        r.bind("adv-l", CrdtCodecs.orSet(ValueCodec.int64()));
        for (String k : COLLIDING_KEYS) {
            r.bind(k, CrdtCodecs.orSet(ValueCodec.string()));
        }
        return r;
    }

    /** The victim, its honest peer, the frames between them, virtual time and what each wrote. */
    private final class World {
        final MessageCodec victimCodec = new MessageCodec(registry(), CodecLimits.defaults());
        final MessageCodec honestCodec = new MessageCodec(registry(), CodecLimits.defaults());
        final SyncMachine victim = new SyncMachine(VICTIM, CONFIG, Map.of(), Map.of(), 0, ReplicatedData::digest,
                victimCodec::encodedSize);
        final SyncMachine honest = new SyncMachine(HONEST, HONEST_CONFIG, Map.of(), Map.of(), 0, ReplicatedData::digest,
                honestCodec::encodedSize);
        final ArrayDeque<Object[]> inFlight = new ArrayDeque<>();
        final Set<String> victimWrote = new HashSet<>();
        final Set<String> honestWrote = new HashSet<>();
        final long[] incarnation = new long[HOSTILE.size()];
        final long[] transfer = new long[HOSTILE.size()];
        final long[] seq = new long[HOSTILE.size()];
        long victimIncrements;
        long now = 1_700_000_000_000L;
        int writes;

        World() {
            for (int i = 0; i < HOSTILE.size(); i++) {
                step(victim, new Input.PeerUp(HOSTILE.get(i), 1), "up");
                incarnation[i] = 1;
            }
            route(VICTIM, step(victim, new Input.PeerUp(HONEST, 1), "up"));
            route(HONEST, step(honest, new Input.PeerUp(VICTIM, 1), "up"));
            converge("start");
        }

        Output step(SyncMachine m, Input in, String where) {
            try {
                return m.step(in, now);
            } catch (Throwable e) {
                fail(where + " (-Dconverge.fuzz.seed=" + SEED + "): " + m.self() + " threw " + e + " on " + in, e);
                throw new AssertionError(e);
            }
        }

        /**
         * Queues what {@code from} sends the other honest machine, encoded by its codec; the rest is
         * dropped. Whatever it was sent, a machine sends only to peers that are up.
         */
        void route(ReplicaId from, Output out) {
            ReplicaId other = from.equals(VICTIM) ? HONEST : VICTIM;
            MessageCodec codec = from.equals(VICTIM) ? victimCodec : honestCodec;
            Map<ReplicaId, MachineStats.PeerStats> peers = (from.equals(VICTIM) ? victim : honest).stats().peers();
            for (Output.Send s : out.sends()) {
                MachineStats.PeerStats p = peers.get(s.to());
                assertTrue(p != null && p.up(), "(-Dconverge.fuzz.seed=" + SEED + ") " + from + " sent " + s.message()
                        + " to " + s.to() + ", which is not up");
                if (s.to().equals(other)) {
                    inFlight.add(new Object[] {from, codec.encodeToBytes(s.message())});
                }
            }
        }

        /** Delivers what is in flight, and what that sends, until nothing is; whether anything was. */
        boolean deliver(String where) {
            boolean any = !inFlight.isEmpty();
            for (int n = 0; !inFlight.isEmpty(); n++) {
                assertTrue(n < 100_000, where + " (-Dconverge.fuzz.seed=" + SEED
                        + "): the honest machines never go quiet");
                Object[] f = inFlight.poll();
                ReplicaId from = (ReplicaId) f[0];
                boolean toHonest = from.equals(VICTIM);
                Message m;
                try {
                    m = (toHonest ? honestCodec : victimCodec).decode((byte[]) f[1]);
                } catch (DecodeException e) {
                    fail(where + " (-Dconverge.fuzz.seed=" + SEED + "): an honest frame was refused: " + e + " on "
                            + HexFormat.of().formatHex((byte[]) f[1]), e);
                    return false;
                }
                SyncMachine to = toHonest ? honest : victim;
                route(to.self(), step(to, new Input.Received(from, m), where));
            }
            return any;
        }

        /**
         * Exchanges messages and ticks, on virtual time, until both honest machines are quiet and
         * hold equal stores; heartbeats (whose digests differ while they do not) start the transfers
         * that repair what intervals do not carry (deltas received from a live hostile peer).
         */
        void converge(String where) {
            for (int round = 0; round < 2_000; round++) {
                deliver(where);
                now += round % 20 == 19 ? CONFIG.heartbeatIntervalMillis() : CONFIG.syncIntervalMillis();
                route(VICTIM, step(victim, new Input.Tick(), where));
                route(HONEST, step(honest, new Input.Tick(), where));
                if (!deliver(where) && victim.storeDigest() == honest.storeDigest()) {
                    checkHonestWrites(where);
                    return;
                }
            }
            fail(where + " (-Dconverge.fuzz.seed=" + SEED + "): the honest replicas did not converge: " + victim.stats()
                    + " vs " + honest.stats());
        }

        @SuppressWarnings("unchecked")
        void checkHonestWrites(String where) {
            for (SyncMachine m : List.of(victim, honest)) {
                Set<String> held = m.get("honest").map(s -> ((ORSet<String>) s).value()).orElse(Set.of());
                assertTrue(held.containsAll(victimWrote) && held.containsAll(honestWrote),
                        where + " (-Dconverge.fuzz.seed=" + SEED + "): " + m.self() + " lacks honest writes");
                long g = m.get("honest-g").map(s -> ((GCounter) s).get(VICTIM)).orElse(0L);
                assertEquals(victimIncrements, g, where + " (-Dconverge.fuzz.seed=" + SEED + "): " + m.self()
                        + " lacks the victim's increments");
                assertFalse(m.stats().replicaIdReused(), where + ": " + m.self() + " believes its id reused");
            }
        }

        /** An honest update of the victim, which must succeed whatever it was sent before. */
        @SuppressWarnings("unchecked")
        void victimWrites(String where) {
            int i = writes++;
            Input.LocalUpdate u;
            switch (i % 3) {
                case 0: {
                    String e = "v" + i;
                    victimWrote.add(e);
                    u = new Input.LocalUpdate("honest", ORSet.<String>empty(), s -> ((ORSet<String>) s).add(VICTIM, e));
                    break;
                }
                case 1:
                    victimIncrements++;
                    u = new Input.LocalUpdate("honest-g", GCounter.empty(), s -> ((GCounter) s).increment(VICTIM, 1));
                    break;
                default:
                    // Another writer's hostile entries may sit at the bound in this key.
                    u = new Input.LocalUpdate("adv-c", CausalCounter.empty(),
                            s -> ((CausalCounter) s).increment(VICTIM, 1));
                    break;
            }
            Output out = step(victim, u, where);
            assertEquals(1, out.outcomes().size());
            assertTrue(out.outcomes().get(0) instanceof Output.Applied,
                    where + " (-Dconverge.fuzz.seed=" + SEED + "): an honest update failed: " + out.outcomes());
            route(VICTIM, out);
        }

        @SuppressWarnings("unchecked")
        void honestWrites(String where) {
            String e = "h" + writes++;
            honestWrote.add(e);
            Output out = step(honest, new Input.LocalUpdate("honest", ORSet.<String>empty(),
                    s -> ((ORSet<String>) s).add(HONEST, e)), where);
            assertTrue(out.outcomes().get(0) instanceof Output.Applied, where + ": " + out.outcomes());
            route(HONEST, out);
        }

        /** Brings hostile peer {@code i} back up, mostly, if it left or was reported down. */
        void upAgain(int i, String where) {
            MachineStats.PeerStats p = victim.stats().peers().get(HOSTILE.get(i));
            if ((p == null || !p.up()) && rnd.nextInt(4) > 0) {
                route(VICTIM, step(victim, new Input.PeerUp(HOSTILE.get(i), ++incarnation[i]), where));
            }
        }

        /** Feeds the victim {@code m} from {@code from}, as the engine would: encoded, then decoded. */
        void feed(ReplicaId from, Message m, String where) {
            byte[] frame = victimCodec.encodeToBytes(m);
            Message decoded;
            try {
                decoded = victimCodec.decode(frame);
            } catch (DecodeException e) {
                fail(where + " (-Dconverge.fuzz.seed=" + SEED + "): the victim refused its own frame of " + m, e);
                return;
            }
            feedDecoded(from, decoded, where);
        }

        void feedDecoded(ReplicaId from, Message m, String where) {
            long dropped = victim.stats().droppedFromUnknownPeers();
            long digest = victim.storeDigest();
            Output out = step(victim, new Input.Received(from, m), where + ": " + m);
            route(VICTIM, out);
            tally.merge(m.getClass().getSimpleName(), 1, Integer::sum);
            MachineStats s = victim.stats();
            if (from.equals(GHOST)) {
                assertEquals(dropped + 1, s.droppedFromUnknownPeers(),
                        where + ": a message from a peer not up is counted");
                assertEquals(digest, s.storeDigest(), where + ": a message from a peer not up changes nothing");
                assertTrue(out.sends().isEmpty() && out.changes().isEmpty(), where + ": and is not answered");
            }
            checkBounds(where + " after " + m);
        }

        void checkBounds(String where) {
            MachineStats s = victim.stats();
            String w = where + " (-Dconverge.fuzz.seed=" + SEED + "): ";
            assertTrue(s.bufferedBytes() <= CONFIG.bufferMaxBytes(), w + "buffer " + s.bufferedBytes() + " bytes");
            assertTrue(s.bufferedDeltas() <= CONFIG.bufferMaxEntries(), w + "buffer " + s.bufferedDeltas() + " deltas");
            assertTrue(s.assemblyBytes() <= CONFIG.assemblyMaxBytes(), w + "parts " + s.assemblyBytes() + " bytes");
        }
    }

    private static ReplicaId hostile(Random r) {
        return HOSTILE.get(r.nextInt(HOSTILE.size()));
    }

    /** A set whose context is {@code {w: n}} and holds nothing. */
    private static ORSet<String> setWithContext(ReplicaId w, long n) {
        if (n == 0) {
            return ORSet.empty();
        }
        return SET_JSON.decode("{\"type\":\"ORSet\",\"context\":{\"vv\":{\"" + w + "\":" + n + "}}}");
    }

    /** Adds at dot {@code (w, n)}: the whole state, or at times the bare delta (which leaves a causal gap). */
    private ORSet<String> atDot(ReplicaId w, long n, String element) {
        ORSet<String> base = setWithContext(w, n - 1);
        ORSet<String> delta = base.add(w, element);
        return rnd.nextInt(4) == 0 ? delta : base.join(delta);
    }

    private static long nearBound(Random r) {
        return MAX - r.nextInt(3);
    }

    /** A value for an adversarial key: counters and dots at the bound, reused dots, colliding hashes. */
    private Map.Entry<String, ReplicatedData<?>> adversarialEntry() {
        ReplicaId w = hostile(rnd);
        switch (rnd.nextInt(8)) {
            case 0:
                return Map.entry(rnd.nextBoolean() ? "adv-g" : "honest-g", GCounter.of(Map.of(w, nearBound(rnd))));
            case 1:
                return Map.entry("adv-p",
                        PNCounter.of(Map.of(w, nearBound(rnd)), Map.of(hostile(rnd), nearBound(rnd))));
            case 2:
                return Map.entry(rnd.nextBoolean() ? "adv-c" : "honest-c",
                        CausalCounter.empty().increment(w, nearBound(rnd)));
            case 3:
                // a dot at the bound or just below
                return Map.entry(rnd.nextBoolean() ? "adv-s" : "honest",
                        atDot(w, nearBound(rnd), "b" + rnd.nextInt(3)));
            case 4:
                // a context that is full: no further dot of w can be minted here
                return Map.entry("adv-s", setWithContext(w, MAX));
            case 5:
                // a dot reused with another payload
                return Map.entry(rnd.nextBoolean() ? "adv-s" : COLLIDING_KEYS.get(rnd.nextInt(4)),
                        atDot(w, 1 + rnd.nextInt(3), "r" + rnd.nextInt(1000)));
            case 6: {
                // many elements whose hashCodes are all 0, some at dots near the bound
                ORSet<Long> s = rnd.nextBoolean() ? ORSet.empty()
                        : LONGS_JSON.decode("{\"type\":\"ORSet\",\"context\":{\"vv\":{\"" + w + "\":" + (MAX - 40)
                                + "}}}");
                int n = 1 + rnd.nextInt(40);
                for (int i = 0; i < n; i++) {
                    long x = rnd.nextInt(64);
                    s = s.join(rnd.nextInt(5) == 0 ? s.remove(x << 32 | x) : s.add(hostile(rnd), x << 32 | x));
                }
                return Map.entry("adv-l", s);
            }
            default: {
                ORSet<String> s = ORSet.empty();
                for (String k : COLLIDING_KEYS) {
                    s = s.join(s.add(w, k));
                }
                return Map.entry(COLLIDING_KEYS.get(rnd.nextInt(4)), s);
            }
        }
    }

    /** One hand-made adversarial input to the victim (one or several messages). */
    private void adversarial(World w, String where) {
        int i = rnd.nextInt(HOSTILE.size());
        ReplicaId from = HOSTILE.get(i);
        w.upAgain(i, where);
        switch (rnd.nextInt(12)) {
            case 0, 1: {
                var e = adversarialEntry();
                long start = rnd.nextInt(3) == 0 ? MessageCorpus.number(rnd) : 0;
                w.feed(from, new Message.Deltas(start, Math.max(start, start + 1 + rnd.nextInt(3)),
                        Map.of(e.getKey(), e.getValue()), Map.of()), where);
                break;
            }
            case 2: {
                // a read reply never asked for
                var e = adversarialEntry();
                w.feed(from, new Message.ReadReply(MessageCorpus.number(rnd), e.getKey(), Optional.of(e.getValue()), 0,
                        false), where);
                break;
            }
            case 3: {
                // a transfer of its own, after a restart (other messages may have named any transfer
                // id, and only a newer one starts a transfer): an offer, then states and parts
                w.incarnation[i]++;
                w.route(VICTIM, w.step(w.victim, new Input.PeerUp(from, w.incarnation[i]), where));
                w.transfer[i] = 1 + rnd.nextInt(3);
                w.seq[i] = 1;
                w.feed(from, new Message.Offer(w.transfer[i], MessageCorpus.number(rnd), rnd.nextInt(4) == 0,
                        Map.of("adv-s", rnd.nextLong(), COLLIDING_KEYS.get(rnd.nextInt(4)), rnd.nextLong()), 0), where);
                break;
            }
            case 4, 5: {
                for (int burst = 1 + rnd.nextInt(8); burst > 0; burst--) {
                    // mostly parts of one count per key, large enough to reach the assembly bounds; at
                    // times absurd counts, sequences or transfers
                    boolean absurd = rnd.nextInt(8) == 0;
                    String key = rnd.nextBoolean() ? "adv-s" : COLLIDING_KEYS.get(rnd.nextInt(4));
                    ReplicatedData<?> value;
                    if (absurd) {
                        var e = adversarialEntry();
                        key = e.getKey();
                        value = e.getValue();
                    } else {
                        ORSet<String> big = ORSet.empty();
                        for (int k = 0; k < 20; k++) {
                            String e = "part-" + rnd.nextInt(1_000_000) + "-" + "x".repeat(20);
                            big = big.join(big.add(hostile(rnd), e));
                        }
                        value = big;
                    }
                    int parts = !absurd ? 20 : switch (rnd.nextInt(4)) {
                        case 0 -> Integer.MAX_VALUE;
                        case 1 -> CONFIG.maxPartsPerKey();
                        case 2 -> CONFIG.maxPartsPerKey() + 1;
                        default -> 1 + rnd.nextInt(6);
                    };
                    int part = rnd.nextInt(4) == 0 ? parts - 1 : rnd.nextInt(Math.min(parts, 20));
                    long s = absurd && rnd.nextBoolean() ? MessageCorpus.number(rnd) : w.seq[i]++;
                    long t = absurd && rnd.nextBoolean() ? MessageCorpus.number(rnd) : w.transfer[i];
                    if (absurd && rnd.nextBoolean()) {
                        w.feed(from, new Message.States(t, rnd.nextBoolean(), Map.of(key, value), Map.of(),
                                rnd.nextBoolean() ? parts : rnd.nextInt(3), s), where);
                    } else {
                        w.feed(from, new Message.StatePart(t, key, part, parts, value, 0, s), where);
                    }
                }
                break;
            }
            case 6: {
                // an offer or request flood
                int n = 5 + rnd.nextInt(40);
                for (int k = 0; k < n; k++) {
                    List<String> keys = new ArrayList<>(COLLIDING_KEYS);
                    keys.add("honest");
                    keys.add(corpus.keys().get(rnd.nextInt(corpus.keys().size())));
                    if (rnd.nextBoolean()) {
                        Map<String, Long> digests = new TreeMap<>();
                        keys.forEach(x -> digests.put(x, rnd.nextLong()));
                        w.feed(from, new Message.Offer(w.transfer[i] + k, MessageCorpus.number(rnd), rnd.nextBoolean(),
                                digests, rnd.nextInt(3)), where);
                    } else {
                        w.feed(from, new Message.Request(rnd.nextBoolean() ? rnd.nextInt(8) : MessageCorpus.number(rnd),
                                rnd.nextBoolean(), keys), where);
                    }
                }
                break;
            }
            case 7: {
                // acknowledgements and nacks of positions never sent
                long beyond = w.victim.sequence() + 1 + rnd.nextInt(1000);
                long pos = rnd.nextBoolean() ? beyond : MessageCorpus.number(rnd);
                w.feed(from, rnd.nextInt(3) == 0 ? new Message.Nack(pos)
                        : new Message.Ack(pos, rnd.nextBoolean() ? 0 : MessageCorpus.number(rnd)), where);
                break;
            }
            case 8: {
                // anything, from a replica that is not up
                w.feed(GHOST, corpus.message(rnd.nextInt(MessageCorpus.TYPES.size()), rnd), where);
                break;
            }
            case 9:
                w.feed(from, new Message.Heartbeat(MessageCorpus.number(rnd), rnd.nextLong()), where);
                break;
            case 10: {
                // leaves or is reported down, and returns (at times as a new incarnation)
                if (rnd.nextBoolean()) {
                    w.feed(from, new Message.Goodbye(), where);
                } else {
                    w.route(VICTIM, w.step(w.victim, new Input.PeerDown(from,
                            PeerDownReason.values()[rnd.nextInt(PeerDownReason.values().length)]), where));
                }
                if (rnd.nextInt(8) > 0) {
                    w.incarnation[i] += rnd.nextInt(2);
                    w.route(VICTIM, w.step(w.victim, new Input.PeerUp(from, w.incarnation[i]), where));
                }
                break;
            }
            default: {
                TreeSet<ReplicaId> ids = new TreeSet<>();
                if (rnd.nextBoolean()) {
                    ids.add(HONEST);
                }
                if (rnd.nextBoolean()) {
                    ids.add(hostile(rnd));
                }
                if (rnd.nextInt(4) == 0) {
                    // the receiver itself, or a replica it never heard of
                    ids.add(rnd.nextBoolean() ? VICTIM : GHOST);
                }
                w.feed(from, new Message.Unreachable(ids), where);
                break;
            }
        }
    }

    /** Adds what a victim refused and dropped to the tally, to show that the bounds were reached. */
    private void summarize(MachineStats s) {
        s.refused().forEach((l, c) -> tally.merge("refused " + l, c.intValue(), Integer::sum));
        tally.merge("conflicts refused", (int) s.conflictsRefused(), Integer::sum);
        tally.merge("dropped from unknown peers", (int) s.droppedFromUnknownPeers(), Integer::sum);
        s.transfers().forEach((r, c) -> tally.merge("transfers " + r, c.intValue(), Integer::sum));
    }

    @Test
    void hostileInputNeverStopsHonestUpdatesNorConvergence() {
        List<List<byte[]>> frames = new ArrayList<>();
        MessageCodec writer = new MessageCodec(registry(), CodecLimits.defaults());
        int types = MessageCorpus.TYPES.size();
        for (int t = 0; t < types; t++) {
            List<byte[]> fs = new ArrayList<>();
            for (int k = 0; k < 32; k++) {
                fs.add(writer.encodeToBytes(corpus.message(t, rnd)));
            }
            frames.add(fs);
        }
        int refusedFrames = 0;
        long start = System.nanoTime();
        World w = null;
        for (int n = 0; n < CASES; n++) {
            String where = "step " + n;
            if (n % WORLD_STEPS == 0) {
                if (w != null) {
                    summarize(w.victim.stats());
                }
                w = new World();
            }
            if (rnd.nextInt(8) == 0) {
                w.now += rnd.nextInt(4) == 0 ? CONFIG.ackTimeoutMillis() : rnd.nextInt(100);
                w.route(VICTIM, w.step(w.victim, new Input.Tick(), where));
                w.checkBounds(where + " after a tick");
            }
            if (rnd.nextBoolean()) {
                // a message of the fuzz: valid, or mutated and accepted by the victim's codec
                int t = n % types;
                List<byte[]> fs = frames.get(t);
                byte[] f = fs.get(rnd.nextInt(fs.size()));
                if (rnd.nextInt(3) > 0) {
                    List<byte[]> others = frames.get(rnd.nextInt(types));
                    f = MessageCorpus.mutate(f, others.get(rnd.nextInt(others.size())), rnd);
                }
                Message m;
                try {
                    m = w.victimCodec.decode(f);
                } catch (DecodeException e) {
                    refusedFrames++;
                    m = null;
                }
                if (m != null) {
                    int i = rnd.nextInt(HOSTILE.size());
                    w.upAgain(i, where);
                    w.feedDecoded(rnd.nextInt(20) == 0 ? GHOST : HOSTILE.get(i), m, where);
                }
            } else {
                adversarial(w, where);
            }
            w.victimWrites(where);
            if (n % CONVERGE_EVERY == CONVERGE_EVERY - 1) {
                w.honestWrites(where);
                w.converge(where);
            }
        }
        summarize(w.victim.stats());
        System.out.printf("adversarial input: %d steps in %d ms, seed %d, %d fuzzed frames refused by the codec;"
                + " fed %s%n",
                CASES, (System.nanoTime() - start) / 1_000_000, SEED, refusedFrames, tally);
    }
}
