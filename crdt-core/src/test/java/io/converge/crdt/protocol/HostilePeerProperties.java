package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.LWWRegister;
import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.codec.ValueCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Two admitted peers send anything in any order (parts with any counts, offers, requests, nacks,
 * acks, intervals with gaps, silence) while the node writes large values: after every step the
 * machine holds its buffer, its part assemblies and the transfers it starts for them within
 * their bounds, and never throws. jqwik shrinks a failing run to its shortest list of actions.
 */
class HostilePeerProperties {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final List<ReplicaId> PEERS = List.of(ReplicaId.of("b"), ReplicaId.of("c"));
    private static final SyncConfig CONFIG = SyncConfig.builder().maxMessageBytes(1024).bufferMaxBytes(8 * 1024)
            .bufferMaxEntries(200).maxPartsPerKey(64).assemblyMaxBytesPerTransfer(3 * 1024).assemblyMaxBytes(4 * 1024)
            .maxTransfersPerPeerPerMinute(1).ackTimeout(Duration.ofMillis(500)).build();

    /** One thing that happens: {@code kind} picks what, the rest shape it. */
    record Action(int kind, int peer, int a, int b, int c) {
    }

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Action> one = Combinators.combine(Arbitraries.integers().between(0, 14),
                Arbitraries.integers().between(0, 1), Arbitraries.integers().between(0, 40),
                Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.integers().between(0, 3_000))
                .as(Action::new);
        return one.list().ofMinSize(1).ofMaxSize(300);
    }

    @Property(tries = 200)
    void whateverPeersSendTheMachineStaysWithinItsBounds(@ForAll("actions") List<Action> actions) {
        CodecRegistry registry = CodecRegistry.of(CrdtCodecs.lwwRegister(ValueCodec.string()),
                CrdtCodecs.orSet(ValueCodec.string()));
        MessageCodec codec = new MessageCodec(registry, CodecLimits.defaults());
        for (int k = 0; k <= 40; k++) {
            registry.bind("w" + k, CrdtCodecs.lwwRegister(ValueCodec.string()));
            registry.bind("p" + k, CrdtCodecs.orSet(ValueCodec.string()));
        }
        SyncMachine m = new SyncMachine(A, CONFIG, Map.of(), Map.of(), 0, ReplicatedData::digest, codec::encodedSize);
        long start = 1_000_000;
        long now = start;
        for (ReplicaId p : PEERS) {
            m.step(new Input.PeerUp(p, 1), now);
        }
        int writes = 0;
        // Each peer's open transfer and its next message number: most of its parts come in
        // sequence (so they are assembled), some out of it.
        long[] transfer = new long[PEERS.size()];
        long[] seq = new long[PEERS.size()];
        // The last transfer we offered each peer, which its acknowledgements mostly name.
        long[][] offered = new long[PEERS.size()][2];
        for (Action x : actions) {
            ReplicaId from = PEERS.get(x.peer());
            Input in;
            // Local writes thrice and parts four times as often as the rest.
            switch (x.kind() >= 13 ? 2 : x.kind() >= 11 ? 0 : x.kind() >= 9 ? 2 : x.kind()) {
                case 0: {
                    String v = "v".repeat(100 + x.c() % 800);
                    long stamp = 1_000 + writes++;
                    in = new Input.LocalUpdate("w" + (x.a() % 4), LWWRegister.<String>empty(),
                            s -> LWWRegister.of(HlcTimestamp.of(stamp, 0), A, v));
                    break;
                }
                case 1:
                    transfer[x.peer()] += 1 + x.a() % 2;
                    seq[x.peer()] = 1;
                    in = new Input.Received(from, new Message.Offer(transfer[x.peer()], 0, x.c() % 4 == 0,
                            Map.of("p" + x.a(), 1L), x.c() % 11 == 0 ? 1 : 0));
                    break;
                case 2: {
                    // Mostly a count that stays the same for a key (so parts accumulate), at times any.
                    int parts = x.c() % 29 == 0 ? 1 + Math.floorMod(x.b(), Integer.MAX_VALUE - 1) : 20 + 10 * (x.a() % 5);
                    ORSet<String> value = ORSet.<String>empty().add(from, "e".repeat(1 + x.c() % 900));
                    long n = x.c() % 31 == 0 ? x.a() % 7 : seq[x.peer()]++;
                    in = new Input.Received(from, new Message.StatePart(transfer[x.peer()], "p" + (x.a() % 5),
                            Math.floorMod(x.a() + x.c(), parts), parts, value, 0, n));
                    break;
                }
                case 3:
                    in = new Input.Received(from, new Message.Nack(x.a()));
                    break;
                case 4:
                    in = new Input.Received(from, new Message.Request(x.a() % 4, x.c() % 2 == 0,
                            List.of("w" + (x.a() % 4))));
                    break;
                case 5:
                    in = new Input.Received(from, x.c() % 3 == 0
                            ? new Message.Ack(Math.min(x.a(), m.sequence()), x.a() % 3)
                            : new Message.Ack(offered[x.peer()][1], offered[x.peer()][0]));
                    break;
                case 6: {
                    ReplicatedData<?> gap = ORSet.<String>empty().join(ORSet.<String>empty().add(from, "1")).add(from, "2");
                    in = new Input.Received(from, new Message.Deltas(0, 1 + x.a(), Map.of("p" + x.a(), gap), Map.of()));
                    break;
                }
                case 7:
                    in = new Input.Received(from, new Message.Heartbeat(x.a(), x.c()));
                    break;
                default:
                    now += x.c() % 10 == 0 ? x.c() * 20L : x.c() / 10; // mostly short, at times minutes
                    in = new Input.Tick();
                    break;
            }
            for (Output.Send sent : m.step(in, now).sends()) {
                if (sent.message() instanceof Message.Offer o) {
                    offered[PEERS.indexOf(sent.to())] = new long[] {o.transfer(), o.upTo()};
                }
            }
            MachineStats s = m.stats();
            assertTrue(s.bufferedBytes() <= CONFIG.bufferMaxBytes(), "buffer " + s.bufferedBytes() + " bytes");
            assertTrue(s.bufferedDeltas() <= CONFIG.bufferMaxEntries(), "buffer " + s.bufferedDeltas() + " deltas");
            assertTrue(s.assemblyBytes() <= CONFIG.assemblyMaxBytes(), "parts " + s.assemblyBytes() + " bytes");
            long asked = s.transfers().get(TransferReason.NACK) + s.transfers().get(TransferReason.DIGEST_REPAIR);
            long minutes = (now - start) / 60_000 + 1;
            assertTrue(asked <= (long) PEERS.size() * CONFIG.maxTransfersPerPeerPerMinute() * minutes,
                    asked + " transfers asked for in " + minutes + " minutes");
        }
    }
}
