package io.converge.crdt.testing;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.CausalCrdt;
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
import io.converge.crdt.ReplicatedData;
import java.util.List;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * jqwik generators for Converge types: operations of every built-in type, histories of
 * operations and network events on several replicas, and reachable states. All of them shrink:
 * a failing history shrinks to fewer and simpler steps, and jqwik prints the seed that replays
 * it ({@code @Property(seed = "...")}).
 *
 * <p>Requires jqwik on the class path (Converge declares it optional; add {@code net.jqwik:jqwik}
 * to your test scope).
 */
public final class ConvergeArbitraries {
    private ConvergeArbitraries() {
    }

    // ------------------------------------------------------------------------------ histories

    /**
     * Histories of up to {@code maxSteps} steps on {@code replicas} replicas: mutations drawn from
     * {@code operations}, interleaved with deliveries (in any order), duplicates, drops, full-state
     * syncs and clock ticks; replica clocks skewed by up to ±300 ms.
     */
    public static <S extends ReplicatedData<S>> Arbitrary<History<S>> histories(Arbitrary<Operation<S>> operations,
            int replicas, int maxSteps) {
        Objects.requireNonNull(operations, "operations");
        if (replicas < 1 || maxSteps < 0) {
            throw new IllegalArgumentException("replicas ≥ 1 and maxSteps ≥ 0 required");
        }
        Arbitrary<Integer> replica = Arbitraries.integers().between(0, replicas - 1);
        Arbitrary<Integer> pick = Arbitraries.integers().between(0, 1000);
        Arbitrary<Step<S>> mutate = Combinators.combine(replica, operations).as(Step.Mutate::new);
        Arbitrary<Step<S>> deliver = Combinators.combine(replica, pick).as(Step.Deliver::new);
        Arbitrary<Step<S>> duplicate = Combinators.combine(replica, pick).as(Step.Duplicate::new);
        Arbitrary<Step<S>> drop = Combinators.combine(replica, pick).as(Step.Drop::new);
        Arbitrary<Step<S>> sync = Combinators.combine(replica, replica).as(Step.Sync::new);
        Arbitrary<Step<S>> tick = Arbitraries.longs().between(1, 1000).map(Step.Tick::new);
        @SuppressWarnings("unchecked")
        Arbitrary<Step<S>> step = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, mutate),
                net.jqwik.api.Tuple.of(7, deliver),
                net.jqwik.api.Tuple.of(2, duplicate),
                net.jqwik.api.Tuple.of(2, drop),
                net.jqwik.api.Tuple.of(2, sync),
                net.jqwik.api.Tuple.of(1, tick));
        Arbitrary<List<Long>> skews = Arbitraries.longs().between(-300, 300).list().ofSize(replicas);
        // Uniform lengths: jqwik's default favours short lists, which hide most interleavings.
        Arbitrary<List<Step<S>>> steps = step.list().ofMaxSize(maxSteps)
                .withSizeDistribution(net.jqwik.api.RandomDistribution.uniform()).withoutEdgeCases();
        return Combinators.combine(skews, steps).as((sk, st) -> new History<>(replicas, sk, st));
    }

    /**
     * Lists of {@code count} values reached in one replayed history (replicas' final states and
     * the deltas made on the way), suitable for the lattice laws, which need states that share
     * a causal past.
     */
    public static <S extends ReplicatedData<S>> Arbitrary<List<S>> reachableStates(S bottom,
            Arbitrary<Operation<S>> operations, int replicas, int maxSteps, int count) {
        Objects.requireNonNull(bottom, "bottom");
        Arbitrary<History<S>> histories = histories(operations, replicas, maxSteps);
        Arbitrary<List<Integer>> picks = Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofSize(count);
        return Combinators.combine(histories, picks).as((h, p) -> {
            Replay<S> r = Replay.of(bottom, h);
            List<S> pool = new java.util.ArrayList<>(r.states());
            pool.addAll(r.deltas());
            pool.add(bottom);
            return p.stream().map(i -> pool.get(i % pool.size())).toList();
        });
    }

    /**
     * Schedules for the {@link Simulator}: updates of up to {@code keys} keys with
     * {@code operations} on {@code nodes} nodes, interleaved with ticks of simulated time,
     * deliveries out of order, duplicates and drops of frames in flight, crashes (tearing a
     * pending write by a random share), restarts, graceful leaves, partitions into two sides,
     * one-way and two-way cuts of single links (so partitions may be asymmetric and
     * non-transitive), link repairs and false suspicions; and a seed for the simulation's random
     * decisions. Shrinks to fewer, simpler steps.
     */
    public static <S extends ReplicatedData<S>> Arbitrary<Schedule<S>> schedules(Arbitrary<Operation<S>> operations,
            int nodes, int keys, int maxSteps) {
        Objects.requireNonNull(operations, "operations");
        if (nodes < 1 || nodes > 31 || keys < 1 || maxSteps < 0) {
            throw new IllegalArgumentException("1 ≤ nodes ≤ 31, keys ≥ 1 and maxSteps ≥ 0 required");
        }
        Arbitrary<Integer> node = Arbitraries.integers().between(0, nodes - 1);
        Arbitrary<String> key = Arbitraries.integers().between(0, keys - 1).map(i -> "k" + i);
        Arbitrary<Integer> pick = Arbitraries.integers().between(0, 1000);
        // Two distinct nodes (the second an offset from the first), or the one node twice.
        Arbitrary<int[]> pair = Combinators.combine(node, Arbitraries.integers().between(1, Math.max(1, nodes - 1)))
                .as((a, d) -> new int[] {a, (a + d) % nodes});
        Arbitrary<List<Schedule.Step<S>>> update = Combinators.combine(node, key, operations)
                .as((n, k, op) -> List.of(new Schedule.Update<>(n, k, op)));
        Arbitrary<List<Schedule.Step<S>>> deliver = pick.map(p -> List.of(new Schedule.Deliver<>(p)));
        Arbitrary<List<Schedule.Step<S>>> duplicate = pick.map(p -> List.of(new Schedule.Duplicate<>(p)));
        Arbitrary<List<Schedule.Step<S>>> drop = pick.map(p -> List.of(new Schedule.Drop<>(p)));
        Arbitrary<List<Schedule.Step<S>>> tick = Arbitraries.longs().between(1, 2_500)
                .map(ms -> List.of(new Schedule.Tick<>(ms)));
        Arbitrary<List<Schedule.Step<S>>> crash = Combinators.combine(node, Arbitraries.integers().between(0, 100))
                .as((n, torn) -> List.of(new Schedule.Crash<>(n, torn)));
        Arbitrary<List<Schedule.Step<S>>> restart = node.map(n -> List.of(new Schedule.Restart<>(n)));
        Arbitrary<List<Schedule.Step<S>>> leave = node.map(n -> List.of(new Schedule.Leave<>(n)));
        Arbitrary<List<Schedule.Step<S>>> partition = Arbitraries.integers().between(0, (1 << nodes) - 1)
                .map(m -> List.of(new Schedule.Partition<>(m)));
        Arbitrary<List<Schedule.Step<S>>> cutOneWay = pair.map(p -> List.of(new Schedule.Cut<>(p[0], p[1])));
        Arbitrary<List<Schedule.Step<S>>> cutBothWays = pair.map(p -> List.of(new Schedule.Cut<>(p[0], p[1]),
                new Schedule.Cut<>(p[1], p[0])));
        Arbitrary<List<Schedule.Step<S>>> mend = pair.map(p -> List.of(new Schedule.Mend<>(p[0], p[1]),
                new Schedule.Mend<>(p[1], p[0])));
        Arbitrary<List<Schedule.Step<S>>> suspect = pair.map(p -> List.of(new Schedule.Suspect<>(p[0], p[1])));
        @SuppressWarnings("unchecked")
        Arbitrary<List<Schedule.Step<S>>> step = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, update),
                net.jqwik.api.Tuple.of(5, deliver),
                net.jqwik.api.Tuple.of(1, duplicate),
                net.jqwik.api.Tuple.of(1, drop),
                net.jqwik.api.Tuple.of(6, tick),
                net.jqwik.api.Tuple.of(1, crash),
                net.jqwik.api.Tuple.of(2, restart),
                net.jqwik.api.Tuple.of(1, leave),
                net.jqwik.api.Tuple.of(1, partition),
                net.jqwik.api.Tuple.of(1, cutOneWay),
                net.jqwik.api.Tuple.of(1, cutBothWays),
                net.jqwik.api.Tuple.of(1, mend),
                net.jqwik.api.Tuple.of(1, suspect));
        Arbitrary<List<Schedule.Step<S>>> steps = step.list().ofMaxSize(maxSteps)
                .withSizeDistribution(net.jqwik.api.RandomDistribution.uniform()).withoutEdgeCases()
                .map(groups -> {
                    List<Schedule.Step<S>> flat = new java.util.ArrayList<>();
                    groups.forEach(flat::addAll);
                    return flat;
                });
        // Seeds spread over all longs: they feed a PRNG, small ones are no edge case worth favouring.
        Arbitrary<Long> seeds = Arbitraries.longs().withDistribution(net.jqwik.api.RandomDistribution.uniform())
                .withoutEdgeCases();
        return Combinators.combine(seeds, steps)
                .as((seed, st) -> new Schedule<>(nodes, seed, st));
    }

    // ------------------------------------------------------------------------------ operations

    /** {@code add(e)} (most often), {@code remove(e)}, {@code addAll}, and now and then {@code clear()}. */
    public static <E> Arbitrary<Operation<ORSet<E>>> orSetOperations(Arbitrary<E> elements) {
        Objects.requireNonNull(elements, "elements");
        Arbitrary<Operation<ORSet<E>>> add = elements.map(e -> Operation.<ORSet<E>>of("add(" + e + ")",
                (s, c) -> s.add(c.replica(), e)));
        Arbitrary<Operation<ORSet<E>>> remove = elements.map(e -> Operation.<ORSet<E>>of("remove(" + e + ")",
                (s, c) -> s.remove(e)));
        Arbitrary<Operation<ORSet<E>>> addAll = elements.list().ofMinSize(1).ofMaxSize(3).map(es ->
                Operation.<ORSet<E>>of("addAll" + es, (s, c) -> s.addAll(c.replica(), es)));
        Arbitrary<Operation<ORSet<E>>> clear = Arbitraries.just(Operation.<ORSet<E>>of("clear()", (s, c) -> s.clear()));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, add), net.jqwik.api.Tuple.of(4, remove),
                net.jqwik.api.Tuple.of(1, addAll), net.jqwik.api.Tuple.of(1, clear));
    }

    /** {@code put(k, v)} (most often), {@code remove(k)} and now and then {@code clear()}. */
    public static <K, V> Arbitrary<Operation<AWLWWMap<K, V>>> awlwwMapOperations(Arbitrary<K> keys, Arbitrary<V> values) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(values, "values");
        Arbitrary<Operation<AWLWWMap<K, V>>> put = Combinators.combine(keys, values).as((k, v) ->
                Operation.<AWLWWMap<K, V>>of("put(" + k + "," + v + ")", (m, c) -> m.put(c.replica(), c.clock(), k, v)));
        Arbitrary<Operation<AWLWWMap<K, V>>> remove = keys.map(k ->
                Operation.<AWLWWMap<K, V>>of("remove(" + k + ")", (m, c) -> m.remove(k)));
        Arbitrary<Operation<AWLWWMap<K, V>>> clear = Arbitraries.just(
                Operation.<AWLWWMap<K, V>>of("clear()", (m, c) -> m.clear()));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, put), net.jqwik.api.Tuple.of(3, remove),
                net.jqwik.api.Tuple.of(1, clear));
    }

    /** {@code increment(n)} with n in 1..100. */
    public static Arbitrary<Operation<GCounter>> gCounterOperations() {
        return Arbitraries.longs().between(1, 100).map(n ->
                Operation.<GCounter>of("increment(" + n + ")", (g, c) -> g.increment(c.replica(), n)));
    }

    /** {@code increment(n)} and {@code decrement(n)} with n in 1..100. */
    public static Arbitrary<Operation<PNCounter>> pnCounterOperations() {
        Arbitrary<Operation<PNCounter>> inc = Arbitraries.longs().between(1, 100).map(n ->
                Operation.<PNCounter>of("increment(" + n + ")", (p, c) -> p.increment(c.replica(), n)));
        Arbitrary<Operation<PNCounter>> dec = Arbitraries.longs().between(1, 100).map(n ->
                Operation.<PNCounter>of("decrement(" + n + ")", (p, c) -> p.decrement(c.replica(), n)));
        return Arbitraries.oneOf(inc, dec);
    }

    /** {@code increment(n)}, {@code decrement(n)} and {@code reset()}. */
    public static Arbitrary<Operation<CausalCounter>> causalCounterOperations() {
        Arbitrary<Operation<CausalCounter>> inc = Arbitraries.longs().between(1, 100).map(n ->
                Operation.<CausalCounter>of("increment(" + n + ")", (p, c) -> p.increment(c.replica(), n)));
        Arbitrary<Operation<CausalCounter>> dec = Arbitraries.longs().between(1, 100).map(n ->
                Operation.<CausalCounter>of("decrement(" + n + ")", (p, c) -> p.decrement(c.replica(), n)));
        Arbitrary<Operation<CausalCounter>> reset = Arbitraries.just(
                Operation.<CausalCounter>of("reset()", (p, c) -> p.reset()));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, inc), net.jqwik.api.Tuple.of(2, dec),
                net.jqwik.api.Tuple.of(1, reset));
    }

    /** {@code enable()} and {@code disable()}. */
    public static Arbitrary<Operation<EWFlag>> ewFlagOperations() {
        return Arbitraries.of(
                Operation.<EWFlag>of("enable()", (f, c) -> f.enable(c.replica())),
                Operation.<EWFlag>of("disable()", (f, c) -> f.disable()));
    }

    /** {@code disable()} and {@code enable()}. */
    public static Arbitrary<Operation<DWFlag>> dwFlagOperations() {
        return Arbitraries.of(
                Operation.<DWFlag>of("disable()", (f, c) -> f.disable(c.replica())),
                Operation.<DWFlag>of("enable()", (f, c) -> f.enable()));
    }

    /** {@code write(v)} (most often) and {@code clear()}. */
    public static <V> Arbitrary<Operation<MVRegister<V>>> mvRegisterOperations(Arbitrary<V> values) {
        Objects.requireNonNull(values, "values");
        Arbitrary<Operation<MVRegister<V>>> write = values.map(v ->
                Operation.<MVRegister<V>>of("write(" + v + ")", (r, c) -> r.write(c.replica(), v)));
        Arbitrary<Operation<MVRegister<V>>> clear = Arbitraries.just(
                Operation.<MVRegister<V>>of("clear()", (r, c) -> r.clear()));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, write), net.jqwik.api.Tuple.of(1, clear));
    }

    /** {@code write(v)}. */
    public static <V> Arbitrary<Operation<LWWRegister<V>>> lwwRegisterOperations(Arbitrary<V> values) {
        Objects.requireNonNull(values, "values");
        return values.map(v -> Operation.<LWWRegister<V>>of("write(" + v + ")",
                (r, c) -> r.write(c.replica(), c.clock(), v)));
    }

    /**
     * {@code apply(k, nested)} with a nested operation (most often), {@code remove(k)} and now and
     * then {@code clear()}.
     */
    public static <K, V extends CausalCrdt<V>> Arbitrary<Operation<ORMap<K, V>>> orMapOperations(Arbitrary<K> keys,
            Arbitrary<Operation<V>> nested) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(nested, "nested");
        Arbitrary<Operation<ORMap<K, V>>> apply = Combinators.combine(keys, nested).as((k, op) ->
                Operation.<ORMap<K, V>>of(k + "." + op.description(),
                        (m, c) -> m.apply(k, v -> op.delta(v, c))));
        Arbitrary<Operation<ORMap<K, V>>> remove = keys.map(k ->
                Operation.<ORMap<K, V>>of("remove(" + k + ")", (m, c) -> m.remove(k)));
        Arbitrary<Operation<ORMap<K, V>>> clear = Arbitraries.just(
                Operation.<ORMap<K, V>>of("clear()", (m, c) -> m.clear()));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, apply), net.jqwik.api.Tuple.of(2, remove),
                net.jqwik.api.Tuple.of(1, clear));
    }

    /**
     * {@code update(k, type, nested)}: an update of a {@link MixedORMap} key with a value of the
     * type of {@code empty} and a nested operation. Where the key already holds another type, the
     * operation removes the key instead (a history must not throw), so mixing the updates of
     * several types in {@link #mixedMapOperations} makes replicas give a key different types
     * concurrently.
     */
    public static <K, V extends CausalCrdt<V>> Arbitrary<Operation<MixedORMap<K>>> mixedMapUpdates(Arbitrary<K> keys,
            V empty, Arbitrary<Operation<V>> nested) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(empty, "empty");
        Objects.requireNonNull(nested, "nested");
        String type = MixedORMap.typeTag(empty);
        return Combinators.combine(keys, nested).as((k, op) ->
                Operation.<MixedORMap<K>>of(k + ":" + type + "." + op.description(), (m, c) -> {
                    try {
                        return m.update(k, empty, v -> op.delta(v, c));
                    } catch (CrdtTypeMismatchException e) {
                        return m.remove(k);
                    }
                }));
    }

    /**
     * The given updates (most often, see {@link #mixedMapUpdates}), {@code remove(k)} and now and
     * then {@code clear()}.
     */
    @SafeVarargs
    public static <K> Arbitrary<Operation<MixedORMap<K>>> mixedMapOperations(Arbitrary<K> keys,
            Arbitrary<Operation<MixedORMap<K>>>... updates) {
        Objects.requireNonNull(keys, "keys");
        if (updates.length == 0) {
            throw new IllegalArgumentException("give at least one kind of update");
        }
        Arbitrary<Operation<MixedORMap<K>>> update = Arbitraries.oneOf(List.of(updates));
        Arbitrary<Operation<MixedORMap<K>>> remove = keys.map(k ->
                Operation.<MixedORMap<K>>of("remove(" + k + ")", (m, c) -> m.remove(k)));
        Arbitrary<Operation<MixedORMap<K>>> clear = Arbitraries.just(
                Operation.<MixedORMap<K>>of("clear()", (m, c) -> m.clear()));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, update), net.jqwik.api.Tuple.of(2, remove),
                net.jqwik.api.Tuple.of(1, clear));
    }

    /** A few short strings ("a" to "e"): small domains make operations collide, which is the point. */
    public static Arbitrary<String> smallStrings() {
        return Arbitraries.of("a", "b", "c", "d", "e");
    }
}
