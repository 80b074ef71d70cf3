package io.converge.crdt.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.CrdtTypeMismatchException;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.MixedORMap;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.testing.ConvergenceChecker;
import io.converge.crdt.testing.History;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Replay;
import io.converge.crdt.testing.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Java snippets of docs/data-types.md, run with the outcomes the page claims. Each ```java
 * block of the page must appear, line for line (indentation aside), in this file, in
 * {@link MaxRegister} or in {@link MaxRegisterProperties}; {@link #everyJavaSnippetOfThePageIsCompiledHere}
 * fails when the page and the code drift apart.
 */
class DataTypesSnippetsTest {
    private static final Path PAGE = PageSnippets.DOCS.resolve("data-types.md");
    private static final Path HERE = PageSnippets.HERE;

    // The conventions of the page: replicas a and b, and their clocks (physical time fixed, so
    // the outcomes are deterministic; equal readings, so ties fall to the replica id).
    private final ReplicaId a = ReplicaId.of("a");
    private final ReplicaId b = ReplicaId.of("b");
    private final HybridLogicalClock clockA = HybridLogicalClock.of(() -> 1_700_000_000_000L, 500, HlcTimestamp.ZERO);
    private final HybridLogicalClock clockB = HybridLogicalClock.of(() -> 1_700_000_000_000L, 500, HlcTimestamp.ZERO);

    @Test
    void theMentalModel() {
        ORSet<String> state = ORSet.empty();          // bottom: the state of a replica that has seen nothing
        ORSet<String> delta = state.add(a, "x");      // a delta mutator returns a small ORSet, not the new state
        state = state.join(delta);                    // the new state; the same delta is shipped to other replicas
        assertEquals(Set.of("x"), state.value());  // the value the application reads
    }

    @Test
    void aCounterIsNotARegister() {
        // Stock is 10 on both replicas; each sells one item, concurrently.
        PNCounter stock = PNCounter.empty();
        stock = stock.join(stock.increment(a, 10));
        PNCounter sellAtA = stock.decrement(a, 1);
        PNCounter sellAtB = stock.decrement(b, 1);
        assertEquals(8, stock.join(sellAtA).join(sellAtB).value());

        // The same with a register: both replicas write 10 - 1, and one sale is lost.
        LWWRegister<Long> level = LWWRegister.empty();
        level = level.join(level.write(a, clockA, 10L));
        LWWRegister<Long> writeAtA = level.write(a, clockA, level.value().orElseThrow() - 1);
        LWWRegister<Long> writeAtB = level.write(b, clockB, level.value().orElseThrow() - 1);
        assertEquals(Optional.of(9L), level.join(writeAtA).join(writeAtB).value());
    }

    @Test
    void aRegisterIsNotACounter() {
        // The thermostat reads 18; A sets 20 (+2) while B sets 21 (+3): a counter reads 23.
        PNCounter target = PNCounter.empty();
        target = target.join(target.increment(a, 18));
        PNCounter setAtA = target.increment(a, 2);
        PNCounter setAtB = target.increment(b, 3);
        assertEquals(23, target.join(setAtA).join(setAtB).value());
    }

    @Test
    void gCounter() {
        GCounter views = GCounter.empty();
        GCounter atA = views.increment(a, 1);
        GCounter atB = views.increment(b, 1);
        GCounter merged = views.join(atA).join(atB);
        assertEquals(2, merged.value());
        assertEquals(2, merged.join(atB).value()); // a duplicated delta changes nothing
    }

    @Test
    void orSet() {
        ORSet<String> tags = ORSet.empty();
        tags = tags.join(tags.add(a, "urgent"));         // both replicas see {urgent}
        ORSet<String> removeAtA = tags.remove("urgent");
        ORSet<String> addAtB = tags.add(b, "urgent");    // concurrently, B adds it again
        assertEquals(Set.of("urgent"), tags.join(removeAtA).join(addAtB).value());
        assertEquals(Set.of(), tags.join(removeAtA).value()); // a remove that saw the add removes it
    }

    @Test
    void ewFlag() {
        EWFlag subscribed = EWFlag.empty();                      // false
        subscribed = subscribed.join(subscribed.enable(a));
        EWFlag offAtA = subscribed.disable();
        EWFlag onAtB = subscribed.enable(b);
        assertTrue(subscribed.join(offAtA).join(onAtB).value()); // enable wins
    }

    @Test
    void dwFlag() {
        DWFlag allowed = DWFlag.empty();
        assertTrue(allowed.value());                        // a fresh DWFlag reads true
        allowed = allowed.join(allowed.disable(a));         // false
        DWFlag onAtA = allowed.enable();
        DWFlag offAtB = allowed.disable(b);
        assertFalse(allowed.join(onAtA).join(offAtB).value()); // disable wins
    }

    @Test
    void mvRegister() {
        MVRegister<String> color = MVRegister.empty();
        MVRegister<String> atA = color.write(a, "blue");
        MVRegister<String> atB = color.write(b, "green");
        MVRegister<String> both = color.join(atA).join(atB);
        assertEquals(Set.of("blue", "green"), both.value());   // the application sees the conflict
        MVRegister<String> resolved = both.join(both.write(a, "teal"));
        assertEquals(Set.of("teal"), resolved.value());        // a write that saw both replaces both
    }

    @Test
    void lwwRegisterConcurrentWrites() {
        LWWRegister<String> title = LWWRegister.empty();
        LWWRegister<String> atA = title.write(a, clockA, "Draft");
        LWWRegister<String> atB = title.write(b, clockB, "Final");
        // Equal clock readings: the higher replica id, "b", wins on every replica.
        assertEquals(Optional.of("Final"), atA.join(atB).value());
        assertEquals(Optional.of("Final"), atB.join(atA).value());
    }

    @Test
    void lwwRegisterCausallyLaterWriteWins() {
        // A's clock is 300 ms ahead of B's.
        HybridLogicalClock clockA = HybridLogicalClock.of(() -> 1_700_000_000_300L, 500, HlcTimestamp.ZERO);
        HybridLogicalClock clockB = HybridLogicalClock.of(() -> 1_700_000_000_000L, 500, HlcTimestamp.ZERO);
        LWWRegister<String> atA = LWWRegister.empty();
        atA = atA.join(atA.write(a, clockA, "Draft"));
        LWWRegister<String> atB = LWWRegister.<String>empty().join(atA); // B receives A's write
        atB = atB.join(atB.write(b, clockB, "Final"));                  // then overwrites it
        assertEquals(Optional.of("Final"), atA.join(atB).value());       // B's write wins: it saw A's
    }

    @Test
    void lwwRegisterSkewBeyondTheBound() {
        // A's clock is 2 s ahead of B's: beyond the 500 ms bound, so B's clock does not absorb A's stamp.
        HybridLogicalClock clockA = HybridLogicalClock.of(() -> 1_700_000_002_000L, 500, HlcTimestamp.ZERO);
        HybridLogicalClock clockB = HybridLogicalClock.of(() -> 1_700_000_000_000L, 500, HlcTimestamp.ZERO);
        LWWRegister<String> atB = LWWRegister.<String>empty().join(LWWRegister.<String>empty().write(a, clockA, "Draft"));
        atB = atB.join(atB.write(b, clockB, "Final"));
        assertEquals(Optional.of("Draft"), atB.value()); // B's later write loses until B's clock passes A's stamp
    }

    @Test
    void awlwwMap() {
        AWLWWMap<String, String> settings = AWLWWMap.empty();
        settings = settings.join(settings.put(a, clockA, "theme", "dark"));
        AWLWWMap<String, String> removeAtA = settings.remove("theme");
        AWLWWMap<String, String> putAtB = settings.put(b, clockB, "theme", "light");
        assertEquals(Optional.of("light"), settings.join(removeAtA).join(putAtB).get("theme")); // put wins

        AWLWWMap<String, String> both = settings.join(settings.put(a, clockA, "lang", "en"))
                .join(settings.put(b, clockB, "lang", "fr"));       // concurrent puts
        assertEquals(2, both.versions("lang"));                    // both kept in the state
        assertEquals(Optional.of("fr"), both.get("lang"));         // the greater (hlc, replica id) is read
        both = both.join(both.put(a, clockA, "lang", "de"));
        assertEquals(1, both.versions("lang"));                    // the next put replaces both
    }

    @Test
    void orMapOfSets() {
        ORMap<String, ORSet<String>> carts = ORMap.empty(ORSet.<String>empty());
        carts = carts.join(carts.apply("cart", s -> s.add(a, "bread")));
        ORMap<String, ORSet<String>> removeAtA = carts.remove("cart");
        ORMap<String, ORSet<String>> addAtB = carts.apply("cart", s -> s.add(b, "milk"));
        ORMap<String, ORSet<String>> merged = carts.join(removeAtA).join(addAtB);
        assertEquals(Set.of("milk"), merged.get("cart").orElseThrow().value()); // bread is gone
    }

    @Test
    void orMapOfCounters() {
        ORMap<String, CausalCounter> counts = ORMap.empty(CausalCounter.empty());
        counts = counts.join(counts.apply("k", c -> c.increment(b, 5)));  // k = 5, all of it from B
        ORMap<String, CausalCounter> removeAtB = counts.remove("k");
        ORMap<String, CausalCounter> addAtA = counts.apply("k", c -> c.increment(a, 1));
        assertEquals(1, counts.join(removeAtB).join(addAtA).get("k").orElseThrow().value());
    }

    @Test
    void orMapOfCountersKeepsTheWholeRunningContribution() {
        ORMap<String, CausalCounter> counts = ORMap.empty(CausalCounter.empty());
        counts = counts.join(counts.apply("k", c -> c.increment(a, 3)));  // A adds 3; B receives it
        ORMap<String, CausalCounter> removeAtB = counts.remove("k");
        ORMap<String, CausalCounter> addAtA = counts.apply("k", c -> c.increment(a, 2));
        assertEquals(5, counts.join(removeAtB).join(addAtA).get("k").orElseThrow().value()); // 5, not 2
    }

    @Test
    void orMapOfDisableWinsFlags() {
        ORMap<String, DWFlag> features = ORMap.empty(DWFlag.empty());
        features = features.join(features.apply("beta", f -> f.disable(a)));
        assertFalse(features.get("beta").orElseThrow().value());
        features = features.join(features.apply("beta", f -> f.enable()));
        assertFalse(features.containsKey("beta"));                        // an enabled DWFlag is bottom: the key is gone
        assertTrue(features.get("beta").orElse(DWFlag.empty()).value());  // read a missing key as a fresh flag
    }

    @Test
    void mixedMapHoldsATypePerKey() {
        MixedORMap<String> empty = MixedORMap.empty();
        MixedORMap<String> withTags = empty.join(empty.update("tags", ORSet.<String>empty(), s -> s.add(a, "crdt")));
        MixedORMap<String> doc = withTags.join(withTags.update("done", EWFlag.empty(), f -> f.enable(a)));
        ORSet<String> tags = doc.get("tags", ORSet.<String>empty()).orElseThrow();  // typed: no cast
        assertEquals(Set.of("crdt"), tags.value());
        assertTrue(doc.get("done", EWFlag.empty()).orElseThrow().value());
        assertThrows(CrdtTypeMismatchException.class,   // "done" holds a flag, not a set
                () -> doc.update("done", ORSet.<String>empty(), s -> s.add(a, "x")));
    }

    @Test
    void mixedMapResolvesConcurrentTypesByTagOrder() {
        MixedORMap<String> empty = MixedORMap.empty();
        MixedORMap<String> flagAtA = empty.update("k", EWFlag.empty(), f -> f.enable(a));
        MixedORMap<String> setAtB = empty.update("k", ORSet.<String>empty(), s -> s.add(b, "x"));
        MixedORMap<String> merged = empty.join(flagAtA).join(setAtB);
        assertEquals(merged, empty.join(setAtB).join(flagAtA));
        assertEquals(Optional.of("ORSet"), merged.typeOf("k"));  // "ORSet" sorts after "EWFlag": the set wins
    }

    @Test
    void causalCounter() {
        CausalCounter likes = CausalCounter.empty();
        likes = likes.join(likes.increment(a, 3));                   // A adds 3; B receives it
        CausalCounter resetAtB = likes.reset();
        CausalCounter addAtA = likes.increment(a, 2);
        assertEquals(0, likes.join(resetAtB).value());               // a reset that saw everything: 0
        assertEquals(5, likes.join(resetAtB).join(addAtA).value());  // with A's concurrent +2: 5, not 2
    }

    @Test
    void anApplicationScenarioUnderRandomSchedules() {
        Operation<ORMap<String, ORSet<String>>> addMilk =
                Operation.of("addMilk", (m, c) -> m.apply("cart", s -> s.add(c.replica(), "milk")));
        Operation<ORMap<String, ORSet<String>>> emptyCart = Operation.of("emptyCart", (m, c) -> m.remove("cart"));
        History<ORMap<String, ORSet<String>>> scenario = History.of(2, List.of(
                new Step.Mutate<>(0, addMilk),     // r0 adds milk
                new Step.Deliver<>(1, 0),          // r1 receives it
                new Step.Mutate<>(1, emptyCart),   // r1 empties the cart while r0 adds milk again
                new Step.Mutate<>(0, addMilk)));
        ConvergenceChecker<ORMap<String, ORSet<String>>> checker =
                ConvergenceChecker.forType(ORMap.empty(ORSet.<String>empty()));
        Replay<ORMap<String, ORSet<String>>> replay = checker.check(scenario);
        assertEquals(Set.of("milk"), replay.healed().get(0).get("cart").orElseThrow().value());
        checker.checkRandomSchedules(scenario, 42, 100); // the same mutations, 100 other deliveries
    }

    // ------------------------------------------------------------------------------ the page itself

    @Test
    void everyJavaSnippetOfThePageIsCompiledHere() throws IOException {
        PageSnippets.assertEverySnippetIsIn(PAGE, 11, HERE.resolve("DataTypesSnippetsTest.java"),
                HERE.resolve("MaxRegister.java"), HERE.resolve("MaxRegisterProperties.java"));
    }

    @Test
    void thePageShowsTheWholeWorkedExample() throws IOException {
        String page = normalize(read(PAGE));
        for (String file : List.of("MaxRegister.java", "MaxRegisterProperties.java")) {
            assertTrue(page.contains(normalize(read(HERE.resolve(file)))), "docs/data-types.md must show " + file
                    + " in full, as it is");
        }
    }

    private static String read(Path p) throws IOException {
        return PageSnippets.read(p);
    }

    private static String normalize(String s) {
        return PageSnippets.normalize(s);
    }
}
