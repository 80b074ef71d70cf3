package io.converge.crdt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.ConvergenceChecker;
import io.converge.crdt.testing.History;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Replay;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Each type against a naive reference model run through the same history (same operations, same
 * reordered, duplicated and lost deliveries): every replica's value, at the end and after
 * healing, must be the model's. The models are the textbook tombstone designs, obviously right
 * and obviously slow, so these properties check semantics, not just convergence.
 */
class ModelProperties {
    private static final Arbitrary<String> ELEMENTS = ConvergeArbitraries.smallStrings();

    private static <A extends ReplicatedData<A>, B extends ReplicatedData<B>> Arbitrary<History<Paired<A, B>>> histories(
            Arbitrary<Operation<Paired<A, B>>> ops) {
        return ConvergeArbitraries.histories(ops, 3, 40);
    }

    /**
     * Runs the history and checks every healed replica with {@code agree}. Intermediate states
     * are not compared: without causal delivery a replica may hold a later delta before an
     * earlier one, and delta-state CRDTs promise agreement once every delta arrived, not
     * causal consistency along the way (crdt.md §1, §5).
     */
    private static <A extends ReplicatedData<A>, B extends ReplicatedData<B>> void check(A realBottom, B modelBottom,
            History<Paired<A, B>> history, BiConsumer<A, B> agree) {
        Replay<Paired<A, B>> r = ConvergenceChecker.forType(new Paired<>(realBottom, modelBottom)).check(history);
        List<Paired<A, B>> all = new ArrayList<>(r.healed());
        for (Paired<A, B> p : all) {
            agree.accept(p.real(), p.model());
        }
    }

    // ------------------------------------------------------------------ ORSet

    @Provide
    Arbitrary<History<Paired<ORSet<String>, ModelORSet<String>>>> orSets() {
        Arbitrary<Operation<Paired<ORSet<String>, ModelORSet<String>>>> add = ELEMENTS.map(e -> Paired.pair("add(" + e + ")",
                (s, c) -> s.add(c.replica(), e), (m, c, d) -> m.add(c.replica(), e)));
        Arbitrary<Operation<Paired<ORSet<String>, ModelORSet<String>>>> remove = ELEMENTS.map(e -> Paired.pair(
                "remove(" + e + ")", (s, c) -> s.remove(e), (m, c, d) -> m.removeIf(e::equals)));
        Arbitrary<Operation<Paired<ORSet<String>, ModelORSet<String>>>> clear = Arbitraries.just(Paired.pair("clear()",
                (s, c) -> s.clear(), (m, c, d) -> m.removeIf(x -> true)));
        return histories(Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, add), net.jqwik.api.Tuple.of(4, remove),
                net.jqwik.api.Tuple.of(1, clear)));
    }

    @Property
    void orSetHasTheValueOfTheTextbookObservedRemoveSet(@ForAll("orSets") History<Paired<ORSet<String>, ModelORSet<String>>> h) {
        check(ORSet.empty(), ModelORSet.empty(), h, (real, model) -> assertEquals(model.value(), Set.copyOf(real.value())));
    }

    // ------------------------------------------------------------------ ORMap of sets (reset-remove)

    record KeyElement(String key, String element) {
    }

    @Provide
    Arbitrary<History<Paired<ORMap<String, ORSet<String>>, ModelORSet<KeyElement>>>> mapsOfSets() {
        Arbitrary<String> keys = Arbitraries.of("x", "y", "z");
        Arbitrary<Operation<Paired<ORMap<String, ORSet<String>>, ModelORSet<KeyElement>>>> add =
                net.jqwik.api.Combinators.combine(keys, ELEMENTS).as((k, e) -> Paired.pair(k + ".add(" + e + ")",
                        (m, c) -> m.apply(k, s -> s.add(c.replica(), e)),
                        (m, c, d) -> m.add(c.replica(), new KeyElement(k, e))));
        Arbitrary<Operation<Paired<ORMap<String, ORSet<String>>, ModelORSet<KeyElement>>>> removeElement =
                net.jqwik.api.Combinators.combine(keys, ELEMENTS).as((k, e) -> Paired.pair(k + ".remove(" + e + ")",
                        (m, c) -> m.apply(k, s -> s.remove(e)),
                        (m, c, d) -> m.removeIf(ke -> ke.equals(new KeyElement(k, e)))));
        Arbitrary<Operation<Paired<ORMap<String, ORSet<String>>, ModelORSet<KeyElement>>>> removeKey = keys.map(k ->
                Paired.pair("remove(" + k + ")", (m, c) -> m.remove(k), (m, c, d) -> m.removeIf(ke -> ke.key().equals(k))));
        return histories(Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, add), net.jqwik.api.Tuple.of(2, removeElement),
                net.jqwik.api.Tuple.of(2, removeKey)));
    }

    @Property
    void mapOfSetsResetsOnlyObservedUpdatesOnRemove(
            @ForAll("mapsOfSets") History<Paired<ORMap<String, ORSet<String>>, ModelORSet<KeyElement>>> h) {
        check(ORMap.empty(ORSet.<String>empty()), ModelORSet.empty(), h, (real, model) -> {
            Map<String, Set<String>> expected = model.value().stream().collect(
                    Collectors.groupingBy(KeyElement::key, Collectors.mapping(KeyElement::element, Collectors.toSet())));
            Map<String, Set<String>> actual = new HashMap<>();
            real.value().forEach((k, s) -> actual.put(k, Set.copyOf(s.value())));
            assertEquals(expected, actual);
        });
    }

    // ------------------------------------------------------------------ AWLWWMap

    record Put(String key, int value, long stamp, ReplicaId writer) {
    }

    @Provide
    Arbitrary<History<Paired<AWLWWMap<String, Integer>, ModelORSet<Put>>>> lwwMaps() {
        Arbitrary<Operation<Paired<AWLWWMap<String, Integer>, ModelORSet<Put>>>> put =
                net.jqwik.api.Combinators.combine(ELEMENTS, Arbitraries.integers().between(0, 9)).as((k, v) -> Paired.pair(
                        "put(" + k + "," + v + ")", (m, c) -> m.put(c.replica(), c.clock(), k, v),
                        (m, c, d) -> {
                            long stamp = stampOf(d, k);
                            return m.add(c.replica(), new Put(k, v, stamp, c.replica())).join(m.removeIf(p -> p.key().equals(k)));
                        }));
        Arbitrary<Operation<Paired<AWLWWMap<String, Integer>, ModelORSet<Put>>>> remove = ELEMENTS.map(k -> Paired.pair(
                "remove(" + k + ")", (m, c) -> m.remove(k), (m, c, d) -> m.removeIf(p -> p.key().equals(k))));
        return histories(Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, put), net.jqwik.api.Tuple.of(3, remove)));
    }

    /** The HLC stamp the real put chose (the model reuses it; it never reads the real state). */
    private static long stampOf(AWLWWMap<String, Integer> delta, String key) {
        return delta.timestamp(key).orElseThrow().packed();
    }

    @Property
    void awlwwMapKeepsAddWinsKeysAndTheHighestStampedValue(
            @ForAll("lwwMaps") History<Paired<AWLWWMap<String, Integer>, ModelORSet<Put>>> h) {
        check(AWLWWMap.empty(), ModelORSet.empty(), h, (real, model) -> {
            // Concurrent puts are arbitrated by (stamp, writer): equal stamps do happen.
            Comparator<Put> order = Comparator.comparingLong(Put::stamp).thenComparing(Put::writer);
            Map<String, Put> best = new HashMap<>();
            for (ModelORSet.Tag<Put> t : model.adds()) {
                if (!model.removed().contains(t)) {
                    best.merge(t.element().key(), t.element(), (x, y) -> order.compare(x, y) >= 0 ? x : y);
                }
            }
            Map<String, Integer> expected = new HashMap<>();
            best.forEach((k, p) -> expected.put(k, p.value()));
            assertEquals(expected, Map.copyOf(real.value()));
        });
    }

    // ------------------------------------------------------------------ counters, registers, flags

    @Provide
    Arbitrary<History<Paired<PNCounter, ModelLog<Long>>>> pnCounters() {
        Arbitrary<Long> n = Arbitraries.longs().between(1, 50);
        return histories(Arbitraries.oneOf(
                n.map(k -> Paired.pair("inc(" + k + ")", (p, c) -> p.increment(c.replica(), k), (m, c, d) -> m.add(c.replica(), k))),
                n.map(k -> Paired.pair("dec(" + k + ")", (p, c) -> p.decrement(c.replica(), k), (m, c, d) -> m.add(c.replica(), -k)))));
    }

    @Property
    void pnCounterValueIsIncrementsMinusDecrements(@ForAll("pnCounters") History<Paired<PNCounter, ModelLog<Long>>> h) {
        check(PNCounter.empty(), ModelLog.empty(), h,
                (real, model) -> assertEquals(model.allPayloads().stream().mapToLong(Long::longValue).sum(), real.value()));
    }

    @Provide
    Arbitrary<History<Paired<GCounter, ModelLog<Long>>>> gCounters() {
        return histories(Arbitraries.longs().between(1, 50).map(k -> Paired.pair("inc(" + k + ")",
                (p, c) -> p.increment(c.replica(), k), (m, c, d) -> m.add(c.replica(), k))));
    }

    @Property
    void gCounterValueIsTheSumOfIncrements(@ForAll("gCounters") History<Paired<GCounter, ModelLog<Long>>> h) {
        check(GCounter.empty(), ModelLog.empty(), h,
                (real, model) -> assertEquals(model.allPayloads().stream().mapToLong(Long::longValue).sum(), real.value()));
    }

    @Provide
    Arbitrary<History<Paired<MVRegister<Integer>, ModelLog<Integer>>>> mvRegisters() {
        return histories(Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0, 9).map(v -> Paired.<MVRegister<Integer>, ModelLog<Integer>>pair("write(" + v + ")",
                        (r, c) -> r.write(c.replica(), v), (m, c, d) -> m.replace(c.replica(), v)))),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Paired.<MVRegister<Integer>, ModelLog<Integer>>pair("clear()",
                        (r, c) -> r.clear(), (m, c, d) -> m.cancel(c.replica()))))));
    }

    @Property
    void mvRegisterReturnsExactlyTheConcurrentWrites(@ForAll("mvRegisters") History<Paired<MVRegister<Integer>, ModelLog<Integer>>> h) {
        check(MVRegister.empty(), ModelLog.empty(), h,
                (real, model) -> assertEquals(Set.copyOf(model.livePayloads()), real.value()));
    }

    @Provide
    Arbitrary<History<Paired<EWFlag, ModelLog<Boolean>>>> ewFlags() {
        return histories(Arbitraries.of(
                Paired.<EWFlag, ModelLog<Boolean>>pair("enable()", (f, c) -> f.enable(c.replica()), (m, c, d) -> m.replace(c.replica(), true)),
                Paired.<EWFlag, ModelLog<Boolean>>pair("disable()", (f, c) -> f.disable(), (m, c, d) -> m.cancel(c.replica()))));
    }

    @Property
    void ewFlagIsOnWhileAnEnableIsUnobservedByEveryDisable(@ForAll("ewFlags") History<Paired<EWFlag, ModelLog<Boolean>>> h) {
        check(EWFlag.empty(), ModelLog.empty(), h, (real, model) -> assertEquals(!model.live().isEmpty(), real.value()));
    }

    @Provide
    Arbitrary<History<Paired<DWFlag, ModelLog<Boolean>>>> dwFlags() {
        return histories(Arbitraries.of(
                Paired.<DWFlag, ModelLog<Boolean>>pair("disable()", (f, c) -> f.disable(c.replica()), (m, c, d) -> m.replace(c.replica(), false)),
                Paired.<DWFlag, ModelLog<Boolean>>pair("enable()", (f, c) -> f.enable(), (m, c, d) -> m.cancel(c.replica()))));
    }

    @Property
    void dwFlagIsOffWhileADisableIsUnobservedByEveryEnable(@ForAll("dwFlags") History<Paired<DWFlag, ModelLog<Boolean>>> h) {
        check(DWFlag.empty(), ModelLog.empty(), h, (real, model) -> assertEquals(model.live().isEmpty(), real.value()));
    }

    record Write(int value, long stamp, ReplicaId writer) {
    }

    @Provide
    Arbitrary<History<Paired<LWWRegister<Integer>, ModelLog<Write>>>> lwwRegisters() {
        return histories(Arbitraries.integers().between(0, 9).map(v -> Paired.pair("write(" + v + ")",
                (r, c) -> r.write(c.replica(), c.clock(), v),
                (m, c, d) -> m.add(c.replica(), new Write(v, d.timestamp().packed(), c.replica())))));
    }

    @Property
    void lwwRegisterKeepsTheWriteWithTheHighestStamp(@ForAll("lwwRegisters") History<Paired<LWWRegister<Integer>, ModelLog<Write>>> h) {
        check(LWWRegister.empty(), ModelLog.empty(), h, (real, model) -> {
            var best = model.allPayloads().stream().max(Comparator.comparingLong(Write::stamp)
                    .thenComparing(Write::writer));
            assertEquals(best.map(Write::value), real.value());
        });
    }
}
