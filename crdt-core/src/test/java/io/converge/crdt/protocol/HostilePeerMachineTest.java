package io.converge.crdt.protocol;

import static io.converge.crdt.TestStrings.blob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.LWWRegister;
import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.codec.ValueCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A buggy or hostile admitted peer, driven directly against the machine: whatever it sends or
 * fails to send, what the machine holds stays within the bounds of {@link SyncConfig}, and each
 * refusal is counted by {@link Limit}. Sizes are measured by the real codec.
 */
class HostilePeerMachineTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final CrdtCodec<LWWRegister<String>> REGISTER = CrdtCodecs.lwwRegister(ValueCodec.string());
    private static final CrdtCodec<ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());

    private CodecRegistry registry;
    private MessageCodec codec;
    private long now = 1_000_000;

    @BeforeEach
    void codecs() {
        registry = CodecRegistry.of(REGISTER, SET);
        codec = new MessageCodec(registry, CodecLimits.defaults());
    }

    private SyncMachine machine(SyncConfig config) {
        return new SyncMachine(A, config, Map.of(), Map.of(), 0, ReplicatedData::digest, codec::encodedSize);
    }

    private static <M extends Message> M first(Output out, ReplicaId to, Class<M> type) {
        for (Output.Send s : out.sends()) {
            if (s.to().equals(to) && type.isInstance(s.message())) {
                return type.cast(s.message());
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " to " + to + " in " + out.sends());
    }

    /** Brings {@code peer} up and has it acknowledge the first transfer at once, as an empty peer would. */
    private void upAndSynced(SyncMachine m, ReplicaId peer) {
        Message.Offer offer = first(m.step(new Input.PeerUp(peer, 1), now), peer, Message.Offer.class);
        m.step(new Input.Received(peer, new Message.Ack(offer.upTo(), offer.transfer())), now);
    }

    private Input.LocalUpdate rewrite(String key, int i, String value) {
        return new Input.LocalUpdate(key, LWWRegister.<String>empty(),
                s -> LWWRegister.of(HlcTimestamp.of(1_000 + i, 0), A, value));
    }

    @Test
    void aPeerThatStopsAcknowledgingPinsNoMoreThanTheBufferByteBoundAndGetsATransferInstead() {
        registry.bind("k", REGISTER);
        long bound = 256 * 1024;
        SyncConfig config = SyncConfig.builder().maxMessageBytes(16 * 1024).bufferMaxBytes(bound)
                .ackTimeout(Duration.ofMillis(500)).syncInterval(Duration.ofMillis(50)).build();
        SyncMachine a = machine(config);
        upAndSynced(a, B); // b acknowledges one transfer, then goes silent
        upAndSynced(a, C); // c keeps acknowledging
        long maxBytes = 0;
        for (int i = 0; i < 2_000; i++) {
            now += 5;
            Output out = a.step(rewrite("k", i, blob(i, 8 * 1024)), now);
            for (Output.Send s : out.sends()) {
                if (s.to().equals(C) && s.message() instanceof Message.Deltas d) {
                    a.step(new Input.Received(C, new Message.Ack(d.end())), now);
                }
            }
            if (i % 10 == 0) {
                a.step(new Input.Tick(), now);
            }
            maxBytes = Math.max(maxBytes, a.stats().bufferedBytes());
        }
        // 2,000 rewrites of 8 KB: 16 MB if the silent peer pinned them all.
        System.out.println("BOUNDS silent peer: 2,000 rewrites of 8 KB, buffer at most " + maxBytes + " bytes (bound "
                + bound + "), released " + a.stats().refused(Limit.BUFFER) + " times, transfers " + a.stats().transfers());
        assertTrue(maxBytes <= bound, "buffer held at most " + maxBytes + " bytes, bound " + bound);
        assertTrue(a.stats().refused(Limit.BUFFER) >= 1, "the silent peer was released: " + a.stats().refused());
        assertTrue(a.stats().transfers().get(TransferReason.BEHIND_BUFFER) >= 1,
                "it gets a transfer instead: " + a.stats().transfers());
        assertEquals(a.sequence(), a.stats().peers().get(C).acknowledged(), "the live peer kept up by intervals");
    }

    @Test
    void partCountsAboveTheBoundAreRefusedBeforeAnythingIsAllocated() {
        SyncMachine a = machine(SyncConfig.builder().maxPartsPerKey(1_000).build());
        a.step(new Input.PeerUp(B, 1), now);
        a.step(new Input.Received(B, new Message.Offer(7, 0, true, Map.of("big", 1L), 0)), now);
        ORSet<String> tiny = ORSet.<String>empty().add(B, "x");
        Output out = a.step(new Input.Received(B,
                new Message.StatePart(7, "big", 0, Integer.MAX_VALUE, tiny, 0, 1)), now);
        assertEquals(1, a.stats().refused(Limit.PARTS_PER_KEY));
        assertEquals(Limit.PARTS_PER_KEY, out.refusals().get(0).limit());
        assertEquals(0, a.stats().assemblyBytes());
        assertFalse(a.stats().peers().get(B).receivingTransfer(), "the transfer was dropped");
        assertFalse(a.retains("big"));
    }

    @Test
    void partsHeldForOneTransferAndForAllStayWithinTheirByteBounds() {
        registry.bind("big", SET); // as decoding its parts would have learned it
        long perTransfer = 64 * 1024;
        SyncMachine a = machine(SyncConfig.builder().maxMessageBytes(8 * 1024).assemblyMaxBytesPerTransfer(perTransfer)
                .assemblyMaxBytes(96 * 1024).build());
        List<ReplicaId> peers = List.of(B, C);
        Map<ReplicaId, Long> seqs = new HashMap<>();
        for (ReplicaId p : peers) {
            a.step(new Input.PeerUp(p, 1), now);
            a.step(new Input.Received(p, new Message.Offer(1, 0, true, Map.of("big", 1L), 0)), now);
            seqs.put(p, 1L);
        }
        long maxHeld = 0;
        // Each peer announces 10,000 parts of 4 KB (within the part bound) and sends them without end.
        for (int i = 0; i < 200; i++) {
            for (ReplicaId p : peers) {
                ORSet<String> part = ORSet.<String>empty().add(p, blob(i, 4 * 1024));
                long seq = seqs.merge(p, 1L, Long::sum) - 1;
                a.step(new Input.Received(p, new Message.StatePart(1, "big", i, 10_000, part, 0, seq)), now);
                maxHeld = Math.max(maxHeld, a.stats().assemblyBytes());
            }
        }
        System.out.println("BOUNDS parts: 2 peers x 200 parts of 4 KB, held at most " + maxHeld + " bytes, refused "
                + a.stats().refused());
        assertTrue(maxHeld <= 96 * 1024, "held at most " + maxHeld + " bytes of parts");
        assertTrue(a.stats().refused(Limit.ASSEMBLY_BYTES_PER_TRANSFER) + a.stats().refused(Limit.ASSEMBLY_BYTES_TOTAL) >= 2,
                "refused: " + a.stats().refused());
        assertTrue(a.stats().refused(Limit.ASSEMBLY_BYTES_TOTAL) >= 1, "the second peer met the total: "
                + a.stats().refused());
    }

    @Test
    void aNackFloodStartsAtMostTheConfiguredTransfersPerMinute() {
        SyncConfig config = SyncConfig.builder().maxTransfersPerPeerPerMinute(5).build();
        SyncMachine a = machine(config);
        for (int i = 0; i < 200; i++) {
            registry.bind("k" + i, SET);
            final int n = i;
            a.step(new Input.LocalUpdate("k" + i, ORSet.<String>empty(), s -> ((ORSet<String>) cast(s)).add(A, "v" + n)),
                    now);
        }
        upAndSynced(a, B);
        long before = a.stats().transfers().values().stream().mapToLong(Long::longValue).sum();
        int offers = 0;
        // 6,000 nacks over 60 s of the machine's time; b acknowledges every transfer at once, so
        // none is under way when the next nack comes.
        for (int i = 0; i < 6_000; i++) {
            now += 10;
            Output out = a.step(new Input.Received(B, new Message.Nack(1)), now);
            for (Output.Send s : out.sends()) {
                if (s.message() instanceof Message.Offer o) {
                    offers++;
                    if (o.last()) {
                        a.step(new Input.Received(B, new Message.Ack(o.upTo(), o.transfer())), now);
                    }
                }
            }
        }
        long started = a.stats().transfers().values().stream().mapToLong(Long::longValue).sum() - before;
        System.out.println("BOUNDS nack flood: 6,000 nacks in 60 s against 200 keys: " + started + " transfers, " + offers
                + " offer chunks, " + a.stats().refused(Limit.TRANSFERS_PER_MINUTE) + " refused");
        assertTrue(started <= 10, "started " + started + " transfers for 6,000 nacks in a minute");
        assertTrue(a.stats().refused(Limit.TRANSFERS_PER_MINUTE) >= 5_900, "refused " + a.stats().refused());
        assertTrue(offers <= 10, offers + " offer chunks");
    }

    @Test
    void aTransferAnswersOneRequestPerOfferChunk() {
        registry.bind("k", SET);
        SyncMachine a = machine(SyncConfig.defaults());
        a.step(new Input.LocalUpdate("k", ORSet.<String>empty(), s -> ((ORSet<String>) cast(s)).add(A, "v")), now);
        Message.Offer offer = first(a.step(new Input.PeerUp(B, 1), now), B, Message.Offer.class);
        int states = 0;
        for (int i = 0; i < 1_000; i++) {
            Output out = a.step(new Input.Received(B, new Message.Request(offer.transfer(), true, List.of("k"))), now);
            states += (int) out.sends().stream().filter(s -> s.message() instanceof Message.States).count();
        }
        assertEquals(1, states, "one offer chunk, one answer");
        assertEquals(999, a.stats().refused(Limit.REQUESTS_PER_TRANSFER));
    }

    @Test
    void aParkedIntervalIsTheOnlyThingRetainedAboutKeysNotJoined() {
        SyncMachine a = machine(SyncConfig.defaults());
        a.step(new Input.PeerUp(B, 1), now);
        // The delta of b's second write alone: joining it without the first leaves a causal gap.
        ReplicatedData<?> delta = ORSet.<String>empty().join(ORSet.<String>empty().add(B, "1")).add(B, "2");
        a.step(new Input.Received(B, new Message.Deltas(0, 1, Map.of("g", delta), Map.of())), now);
        assertTrue(a.get("g").isEmpty(), "not joined");
        assertTrue(a.retains("g"), "parked while the gap may fill");
        now += a.config().ackTimeoutMillis();
        a.step(new Input.Received(B, new Message.Deltas(0, 1, Map.of("h", delta), Map.of())), now);
        assertFalse(a.retains("g"), "given up with a nack");
        assertFalse(a.retains("h"));
    }

    @SuppressWarnings("unchecked")
    private static ORSet<String> cast(ReplicatedData<?> s) {
        return (ORSet<String>) s;
    }
}
