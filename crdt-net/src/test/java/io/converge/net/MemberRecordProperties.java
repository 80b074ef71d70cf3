package io.converge.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.BinaryCodec;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.History;
import io.converge.crdt.testing.LawChecker;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Replay;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The member record is a delta-state CRDT with a canonical binary codec. */
class MemberRecordProperties {
    private static final BinaryCodec<MemberRecord> CODEC = BinaryCodec.of(MemberRecordCodec.INSTANCE);

    /** Writes of one member's entry, from few values so that histories collide on ids and ranks. */
    @Provide
    Arbitrary<History<MemberRecord>> histories() {
        Arbitrary<ReplicaId> ids = Arbitraries.of("a", "b", "c").map(ReplicaId::of);
        Arbitrary<MemberRecord.Entry> entries = Combinators.combine(Arbitraries.of("n1", "n2"),
                Arbitraries.of("h:1", "h:2"), Arbitraries.longs().between(1, 3), Arbitraries.of(MemberStatus.values()),
                Arbitraries.of("web", "db").set().ofMaxSize(2))
                .as((n, a, inc, st, roles) -> new MemberRecord.Entry(n, a, inc, st, List.copyOf(roles)));
        Arbitrary<Operation<MemberRecord>> puts = Combinators.combine(ids, entries)
                .as((id, e) -> Operation.<MemberRecord>of("put(" + id + "=" + e.status() + "@" + e.incarnation() + ")",
                        (s, c) -> s.put(id, e)));
        return ConvergeArbitraries.histories(puts, 3, 30);
    }

    @Property
    void obeysTheLawsOfADeltaStateCrdt(@ForAll("histories") History<MemberRecord> history, @ForAll long seed) {
        LawChecker.checkAll(MemberRecord.empty(), history, seed, 5);
    }

    @Property
    void everyReachableStateRoundTripsThroughTheCodecCanonically(@ForAll("histories") History<MemberRecord> history) {
        Replay<MemberRecord> replay = Replay.of(MemberRecord.empty(), history);
        for (MemberRecord s : replay.states()) {
            byte[] bytes = CODEC.encodeToBytes(s);
            MemberRecord back = CODEC.decode(bytes);
            assertEquals(s, back);
            assertEquals(s.digest(), back.digest());
            assertEquals(java.util.Arrays.toString(bytes), java.util.Arrays.toString(CODEC.encodeToBytes(back)));
        }
    }

    @Example
    void aLaterIncarnationWinsOverAnyStatusOfAnEarlierOne() {
        ReplicaId a = ReplicaId.of("a");
        MemberRecord down = MemberRecord.empty().put(a, new MemberRecord.Entry("a", "x", 1, MemberStatus.DOWN, List.of()));
        MemberRecord rejoined = MemberRecord.empty()
                .put(a, new MemberRecord.Entry("a", "y", 2, MemberStatus.JOINING, List.of()));
        assertEquals(MemberStatus.JOINING, down.join(rejoined).get(a).orElseThrow().status());
        assertEquals(2, rejoined.join(down).get(a).orElseThrow().incarnation());
    }

    @Example
    void anOperatorsDownBeatsAConcurrentLeave() {
        ReplicaId a = ReplicaId.of("a");
        MemberRecord leaving = MemberRecord.empty()
                .put(a, new MemberRecord.Entry("a", "x", 1, MemberStatus.LEAVING, List.of()));
        MemberRecord down = MemberRecord.empty().put(a, new MemberRecord.Entry("a", "x", 1, MemberStatus.DOWN, List.of()));
        assertEquals(MemberStatus.DOWN, leaving.join(down).get(a).orElseThrow().status());
    }
}
