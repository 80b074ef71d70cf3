package io.converge.crdt.engine;

import static io.converge.crdt.TestStrings.blob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.LWWRegister;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.protocol.Limit;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.protocol.TransferReason;
import io.converge.crdt.testing.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DeltaCrdt's "buffer leak when a peer stops acking", end to end over encoded frames: a peer
 * that stays away while this node rewrites one key with 8 KB values pins at most the buffer's
 * byte bound, and gets the state by transfer when it comes back.
 */
class SilentPeerTest {
    private static final CrdtCodec<LWWRegister<String>> REGISTER = CrdtCodecs.lwwRegister(ValueCodec.string());
    private final List<Replicator> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(Replicator::close);
    }

    private Replicator node(String name, InMemoryNetwork net, SyncConfig sync) {
        Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of(name)).transport(net.transport())
                .codecs(CodecRegistry.of(REGISTER)).sync(sync).updateTimeout(Duration.ofSeconds(30)).build());
        open.add(r);
        return r;
    }

    @Test
    void aPeerAwayWhileOneKeyIsRewrittenPinsAtMostTheByteBoundAndCatchesUpByTransfer() throws Exception {
        long bound = 1 << 20;
        SyncConfig sync = SyncConfig.builder().bufferMaxBytes(bound).ackTimeout(Duration.ofMillis(300)).build();
        InMemoryNetwork net = new InMemoryNetwork(11);
        Replicator a = node("a", net, sync);
        Replicator b = node("b", net, sync);
        Await.until("peers up", () -> a.stats().acknowledged(b.self()) >= 0 && b.stats().acknowledged(a.self()) >= 0);
        net.partition(Set.of(b.self())); // b keeps its position at a, and would pin every delta after it
        Await.until("b unreachable at a", () -> !a.stats().peers().get(b.self()).up());
        Key<LWWRegister<String>> k = Key.of("k", LWWRegister.<String>empty(), REGISTER);
        long most = 0;
        String last = null;
        for (int i = 0; i < 2_000; i++) {
            last = blob(i, 8 * 1024);
            String v = last;
            a.update(k, (s, r) -> s.write(r.self(), r.clock(), v));
            most = Math.max(most, a.stats().protocol().bufferedBytes());
        }
        System.out.println("BOUNDS silent peer (encoded): 2,000 rewrites of 8 KB, buffer at most " + most
                + " bytes (bound " + bound + "), " + a.stats().protocol().bufferedDeltas() + " deltas now");
        assertTrue(most <= bound, "buffer held at most " + most + " bytes");
        assertTrue(a.stats().protocol().refused(Limit.BUFFER) >= 1, "b was released");
        net.heal();
        String expected = last;
        Await.until("b has the last write", () -> b.get(k).flatMap(LWWRegister::value).map(expected::equals)
                .orElse(false));
        assertTrue(a.stats().transfers().get(TransferReason.BEHIND_BUFFER) >= 1, "by transfer: " + a.stats().transfers());
        assertEquals(0, b.stats().framesRejected());
    }
}
