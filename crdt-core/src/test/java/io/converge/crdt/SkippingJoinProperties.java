package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.BinaryCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.internal.HashTrie;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The full-state join skips subtrees that hold the same entries on both sides
 * ({@link HashTrie.Merger#keepsEqualEntries}); it must equal the plain join of crdt.md §2,
 * computed here key by key without the trie's merge ({@link #plainJoin}): for every key of either
 * store, join the two stores against the two contexts.
 *
 * <p>Three replicas on three nodes share a base of up to 400 elements (so the tries are several
 * levels deep, and the base reaches replicas b and c as a decoded state, sharing no object with
 * a's), then add, remove, clear and exchange states at random. Every pair of final replicas,
 * and each with the decoded copy of the other, is joined both ways. Elements include strings
 * that share a {@code hashCode} ({@code "Aa"}/{@code "BB"} blocks) and, for a set of records,
 * elements that all hash alike, so that only {@code equals} tells them apart.
 */
class SkippingJoinProperties {
    private static final ReplicaId[] IDS = {ReplicaId.of("a"), ReplicaId.of("b"), ReplicaId.of("c")};
    private static final String[] COLLIDING = {"Aa", "BB", "AaAa", "AaBB", "BBAa", "BBBB"};

    /** An element whose hashCode ignores its content. */
    record Forged(int id) {
        @Override
        public int hashCode() {
            return 42;
        }
    }

    /** One step: 0-3 add, 4 remove, 5 exchange a state, 6 clear (rare), on replica {@code r}. */
    record Step(int kind, int r, int other, int element) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> s = Combinators.combine(Arbitraries.frequency(
                        net.jqwik.api.Tuple.of(20, 0), net.jqwik.api.Tuple.of(8, 4), net.jqwik.api.Tuple.of(6, 5),
                        net.jqwik.api.Tuple.of(1, 6)),
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 449)).as(Step::new);
        return s.list().ofMaxSize(60);
    }

    @Provide
    Arbitrary<Integer> baseSizes() {
        return Arbitraries.integers().between(0, 400);
    }

    static String element(int i) {
        return i >= 440 ? COLLIDING[i % COLLIDING.length] : "e" + i;
    }

    /** The join of crdt.md §2 key by key, never through {@link HashTrie#merge}. */
    static <K, S extends DotMapBase<K, S>> S plainJoin(S a, S b) {
        Set<K> keys = new LinkedHashSet<>();
        a.store.forEach((k, v) -> keys.add(k));
        b.store.forEach((k, v) -> keys.add(k));
        HashTrie<K, Object> s = HashTrie.empty();
        for (K k : keys) {
            Object r = a.joinEntry(a.store.get(k), a.context, false, b.store.get(k), b.context, false);
            if (r != null) {
                s = s.put(k, r);
            }
        }
        return a.make(s, a.context.union(b.context), null);
    }

    static <K, S extends DotMapBase<K, S>> void assertJoinsArePlain(List<S> replicas) {
        for (S x : replicas) {
            for (S y : replicas) {
                S joined = x.join(y);
                assertEquals(plainJoin(x, y), joined, () -> x + " ⊔ " + y);
                joined.checkInvariants();
                // The join's nodes carry digests made from x's; joined again they must skip rightly.
                S again = joined.join(y);
                assertEquals(plainJoin(joined, y), again, () -> joined + " ⊔ " + y);
                again.checkInvariants();
            }
        }
    }

    interface Ops<S> {
        S add(S s, ReplicaId r, int element);

        S remove(S s, int element);
    }

    /** Runs the steps on three replicas after a shared base; returns the replicas and decoded copies. */
    static <S extends DotMapBase<?, S>> List<S> run(S bottom, Ops<S> ops, UnaryOperator<S> decode, int base,
            List<Step> steps) {
        S a = bottom;
        for (int i = 0; i < base; i++) {
            a = a.join(ops.add(a, IDS[i % 3], i));
        }
        List<S> r = new ArrayList<>(List.of(a, decode.apply(a), decode.apply(a)));
        for (Step st : steps) {
            S s = r.get(st.r());
            S next = switch (st.kind()) {
                case 0 -> s.join(ops.add(s, IDS[st.r()], st.element()));
                case 4 -> s.join(ops.remove(s, st.element() % Math.max(1, base + 10)));
                case 5 -> s.join(st.element() % 2 == 0 ? r.get(st.other()) : decode.apply(r.get(st.other())));
                default -> s.join(s.clearDelta());
            };
            r.set(st.r(), next);
        }
        List<S> all = new ArrayList<>(r);
        for (S s : r) {
            all.add(decode.apply(s));
        }
        return all;
    }

    @Property(tries = 150)
    void setJoinsThatSkipEqualSubtreesArePlainJoins(@ForAll("baseSizes") int base, @ForAll("steps") List<Step> steps) {
        BinaryCodec<ORSet<String>> codec = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.string()));
        Ops<ORSet<String>> ops = new Ops<>() {
            public ORSet<String> add(ORSet<String> s, ReplicaId r, int e) {
                return s.add(r, element(e));
            }

            public ORSet<String> remove(ORSet<String> s, int e) {
                return s.remove(element(e));
            }
        };
        assertJoinsArePlain(run(ORSet.empty(), ops, s -> codec.decode(codec.encodeToBytes(s)), base, steps));
    }

    @Property(tries = 100)
    void setsOfElementsWithOneHashCodeJoinPlainly(@ForAll("baseSizes") int base, @ForAll("steps") List<Step> steps) {
        Ops<ORSet<Object>> ops = new Ops<>() {
            public ORSet<Object> add(ORSet<Object> s, ReplicaId r, int e) {
                return s.add(r, e % 2 == 0 ? new Forged(e % 60) : element(e));
            }

            public ORSet<Object> remove(ORSet<Object> s, int e) {
                return s.remove(e % 2 == 0 ? new Forged(e % 60) : element(e));
            }
        };
        // A "decoded" copy: the same entries on fresh element objects, rebuilt entry by entry.
        UnaryOperator<ORSet<Object>> copy = s -> {
            HashTrie<Object, Object> t = HashTrie.empty();
            for (var it = s.store.iterator(); it.hasNext(); ) {
                var e = it.next();
                Object k = e.getKey() instanceof Forged f ? new Forged(f.id()) : new String(((String) e.getKey()).toCharArray());
                t = t.put(k, e.getValue());
            }
            return s.make(t, s.context, null);
        };
        assertJoinsArePlain(run(ORSet.empty(), ops, copy, Math.min(base, 150), steps));
    }

    @Property(tries = 100)
    void lwwMapJoinsThatSkipEqualSubtreesArePlainJoins(@ForAll("baseSizes") int base, @ForAll("steps") List<Step> steps) {
        BinaryCodec<AWLWWMap<String, String>> codec =
                BinaryCodec.of(CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.string()));
        long[] now = {1_700_000_000_000L};
        HybridLogicalClock clock = HybridLogicalClock.of(() -> now[0]++, HybridLogicalClock.DEFAULT_MAX_OFFSET_MILLIS,
                HlcTimestamp.ZERO);
        Ops<AWLWWMap<String, String>> ops = new Ops<>() {
            public AWLWWMap<String, String> add(AWLWWMap<String, String> s, ReplicaId r, int e) {
                return s.put(r, clock, element(e), COLLIDING[e % 2]);
            }

            public AWLWWMap<String, String> remove(AWLWWMap<String, String> s, int e) {
                return s.remove(element(e));
            }
        };
        assertJoinsArePlain(run(AWLWWMap.empty(), ops, s -> codec.decode(codec.encodeToBytes(s)), base, steps));
    }

    @Property(tries = 60)
    void mapOfSetsJoinsThatSkipEqualSubtreesArePlainJoins(@ForAll("baseSizes") int base,
            @ForAll("steps") List<Step> steps) {
        BinaryCodec<ORMap<String, ORSet<String>>> codec = BinaryCodec.of(
                CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string())));
        Ops<ORMap<String, ORSet<String>>> ops = new Ops<>() {
            public ORMap<String, ORSet<String>> add(ORMap<String, ORSet<String>> s, ReplicaId r, int e) {
                return s.apply(element(e / 4), v -> v.add(r, element(e % 7 + 440)));
            }

            public ORMap<String, ORSet<String>> remove(ORMap<String, ORSet<String>> s, int e) {
                return e % 2 == 0 ? s.remove(element(e / 4))
                        : s.apply(element(e / 4), v -> v.remove(element(e % 7 + 440)));
            }
        };
        assertJoinsArePlain(run(ORMap.empty(ORSet.<String>empty()), ops, s -> codec.decode(codec.encodeToBytes(s)),
                base, steps));
    }

    /**
     * One replica of a few thousand elements (so the upper trie levels hold only children) and a
     * decoded copy; each removes its own share of the elements, from a few (bottom nodes that
     * differ in one or two entries) to nearly all between them (subtrees that hold more than a
     * bucket on both sides and shrink to one or vanish in the join, under a node whose other
     * children are merged first), and adds a few of its own.
     */
    @Property(tries = 40)
    void setJoinsOfALargeStateAndADecodedCopyThatRemovedSomeArePlainJoins(
            @ForAll @IntRange(min = 1000, max = 4000) int base, @ForAll @IntRange(min = 0, max = 1000) int removedPerMille,
            @ForAll @IntRange(min = 0, max = 30) int added, @ForAll long seed) {
        BinaryCodec<ORSet<String>> codec = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.string()));
        ORSet<String> a = ORSet.empty();
        for (int i = 0; i < base; i++) {
            a = a.join(a.add(IDS[i % 3], "e" + i));
        }
        ORSet<String> b = codec.decode(codec.encodeToBytes(a));
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < base; i++) {
            if (random.nextInt(1000) < removedPerMille) {
                // Each side removes its own half, so that a subtree can hold more than a bucket
                // on both sides and shrink below one only in the join.
                if (random.nextBoolean()) {
                    b = b.join(b.remove("e" + i));
                } else {
                    a = a.join(a.remove("e" + i));
                }
            }
        }
        for (int i = 0; i < added; i++) {
            b = b.join(b.add(IDS[1], "b" + i));
            a = a.join(a.add(IDS[0], "a" + i));
        }
        assertJoinsArePlain(List.of(a, b, codec.decode(codec.encodeToBytes(b))));
    }
}
