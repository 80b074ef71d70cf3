package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.internal.DotEntries;
import io.converge.crdt.internal.HashTrie;
import io.converge.crdt.internal.Tagged;
import io.converge.crdt.testing.ConvergeArbitraries;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link ReplicatedData#conflict} finds every flipped copy: for a reachable state and a copy of
 * one of its entries with another payload (element, key, value or stamp), as a corrupted frame
 * or a replica that reused its id would carry it, both as a one-key delta and as a whole state,
 * the check fires from either side. (That it never fires on honest values is
 * {@code ReplicatedDataContract#honestStatesAndDeltasNeverConflict}, run for every type.)
 */
class ConflictProperties {
    private static final int STEPS = 30;

    @Provide
    Arbitrary<List<ORSet<String>>> orSets() {
        return ConvergeArbitraries.reachableStates(ORSet.empty(),
                ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings()), 3, STEPS, 2);
    }

    @Provide
    Arbitrary<List<AWLWWMap<String, String>>> maps() {
        return ConvergeArbitraries.reachableStates(AWLWWMap.empty(), ConvergeArbitraries.awlwwMapOperations(
                ConvergeArbitraries.smallStrings(), ConvergeArbitraries.smallStrings()), 3, STEPS, 2);
    }

    @Provide
    Arbitrary<List<MVRegister<String>>> registers() {
        return ConvergeArbitraries.reachableStates(MVRegister.empty(),
                ConvergeArbitraries.mvRegisterOperations(ConvergeArbitraries.smallStrings()), 3, STEPS, 2);
    }

    @Provide
    Arbitrary<List<CausalCounter>> counters() {
        return ConvergeArbitraries.reachableStates(CausalCounter.empty(),
                ConvergeArbitraries.causalCounterOperations(), 3, STEPS, 2);
    }

    @Provide
    Arbitrary<List<LWWRegister<String>>> lwwRegisters() {
        return ConvergeArbitraries.reachableStates(LWWRegister.empty(),
                ConvergeArbitraries.lwwRegisterOperations(ConvergeArbitraries.smallStrings()), 3, STEPS, 2);
    }

    private static <S extends ReplicatedData<S>> void bothSidesFind(S state, S flipped) {
        Optional<Conflict> a = state.conflict(flipped);
        Optional<Conflict> b = flipped.conflict(state);
        assertTrue(a.isPresent(), () -> "not found in " + state + " against " + flipped);
        assertTrue(b.isPresent(), () -> "not found in " + flipped + " against " + state);
    }

    private static <K> K pick(List<K> keys, int pick) {
        return keys.get(Math.floorMod(pick, keys.size()));
    }

    private static <K> List<K> keysOf(HashTrie<K, Object> store) {
        List<K> keys = new ArrayList<>();
        store.forEach((k, v) -> keys.add(k));
        keys.sort(java.util.Comparator.comparing(String::valueOf));
        return keys;
    }

    private static CausalContext dotsOf(Object entries) {
        CausalContext.Builder b = CausalContext.builder();
        DotEntries.addDots(entries, b);
        return b.build();
    }

    @Property
    void anOrSetElementMovedToAnotherElementIsFound(@ForAll("orSets") List<ORSet<String>> s, @ForAll int pick) {
        ORSet<String> x = s.get(0).join(s.get(1));
        Assume.that(!x.isEmpty());
        String e = pick(keysOf(x.store), pick);
        String flippedElement = e + "~";
        Assume.that(!x.contains(flippedElement));
        Object entry = x.store.get(e);
        ORSet<String> delta = x.make(HashTrie.<String, Object>empty().put(flippedElement, entry), dotsOf(entry),
                HashTrie.empty());
        ORSet<String> whole = x.make(x.store.remove(e).put(flippedElement, entry), x.context, null);
        bothSidesFind(x, delta);
        bothSidesFind(x, whole);
    }

    @Property
    void anAwLwwMapValueOrKeyFlippedIsFound(@ForAll("maps") List<AWLWWMap<String, String>> s, @ForAll int pick,
            @ForAll boolean flipKey) {
        AWLWWMap<String, String> x = s.get(0).join(s.get(1));
        Assume.that(!x.isEmpty());
        String k = pick(keysOf(x.store), pick);
        Object entries = x.store.get(k);
        Tagged t = (Tagged) DotEntries.get(entries, Math.floorMod(pick, DotEntries.count(entries)));
        if (flipKey) {
            Assume.that(!x.containsKey(k + "~"));
            AWLWWMap<String, String> delta = x.make(HashTrie.<String, Object>empty().put(k + "~", t), dotsOf(t),
                    HashTrie.empty());
            bothSidesFind(x, delta);
        } else {
            Tagged flipped = new Tagged(t.replica, t.counter, t.stamp, t.value + "~");
            AWLWWMap<String, String> delta = x.make(HashTrie.<String, Object>empty().put(k, flipped), dotsOf(t),
                    HashTrie.empty());
            List<Object> others = new ArrayList<>();
            DotEntries.forEach(entries, o -> others.add(o == t ? flipped : o));
            AWLWWMap<String, String> whole = x.make(x.store.put(k, DotEntries.of(others)), x.context, null);
            bothSidesFind(x, delta);
            bothSidesFind(x, whole);
        }
    }

    @Property
    void anMvRegisterValueFlippedIsFound(@ForAll("registers") List<MVRegister<String>> s, @ForAll int pick) {
        MVRegister<String> x = s.get(0).join(s.get(1));
        Assume.that(x.store != null);
        Tagged t = (Tagged) DotEntries.get(x.store, Math.floorMod(pick, DotEntries.count(x.store)));
        MVRegister<String> delta = x.make(new Tagged(t.replica, t.counter, t.stamp, t.value + "~"), dotsOf(t));
        bothSidesFind(x, delta);
    }

    @Property
    void aCausalCounterContributionFlippedIsFound(@ForAll("counters") List<CausalCounter> s, @ForAll int pick) {
        CausalCounter x = s.get(0).join(s.get(1));
        Assume.that(x.store != null);
        Tagged t = (Tagged) DotEntries.get(x.store, Math.floorMod(pick, DotEntries.count(x.store)));
        CausalCounter.Totals v = (CausalCounter.Totals) t.value;
        CausalCounter delta = x.make(new Tagged(t.replica, t.counter, t.stamp,
                new CausalCounter.Totals(v.up() ^ 1, v.down())), dotsOf(t));
        bothSidesFind(x, delta);
    }

    @Provide
    Arbitrary<List<ORMap<String, ORSet<String>>>> mapsOfSets() {
        return ConvergeArbitraries.reachableStates(ORMap.empty(ORSet.<String>empty()),
                ConvergeArbitraries.orMapOperations(ConvergeArbitraries.smallStrings(),
                        ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())), 3, STEPS, 2);
    }

    @Property
    void anElementMovedInsideAnOrMapValueOrToAnotherKeyIsFound(
            @ForAll("mapsOfSets") List<ORMap<String, ORSet<String>>> s, @ForAll int pick, @ForAll boolean flipKey) {
        ORMap<String, ORSet<String>> x = s.get(0).join(s.get(1));
        Assume.that(!x.store.isEmpty());
        String k = pick(keysOf(x.store), pick);
        @SuppressWarnings("unchecked")
        ORSet<String> nested = (ORSet<String>) x.store.get(k);
        String e = pick(keysOf(nested.store), pick);
        Assume.that(!nested.contains(e + "~"));
        Object entry = nested.store.get(e);
        ORSet<String> flippedNested = nested.make(HashTrie.<String, Object>empty().put(e + "~", entry),
                CausalContext.empty(), HashTrie.empty());
        ORSet<String> movedNested = nested.make(HashTrie.<String, Object>empty().put(e, entry),
                CausalContext.empty(), HashTrie.empty());
        Assume.that(!flipKey || !x.store.containsKey(k + "~"));
        ORMap<String, ORSet<String>> delta = flipKey
                ? x.make(HashTrie.<String, Object>empty().put(k + "~", movedNested), dotsOf(entry), HashTrie.empty())
                : x.make(HashTrie.<String, Object>empty().put(k, flippedNested), dotsOf(entry), HashTrie.empty());
        bothSidesFind(x, delta);
    }

    @Property
    void anLwwRegisterValueUnderTheSameStampIsFound(@ForAll("lwwRegisters") List<LWWRegister<String>> s) {
        LWWRegister<String> x = s.get(0).join(s.get(1));
        Assume.that(!x.isBottom());
        bothSidesFind(x, LWWRegister.of(x.timestamp(), x.writer().orElseThrow(), x.value().orElseThrow() + "~"));
    }
}
