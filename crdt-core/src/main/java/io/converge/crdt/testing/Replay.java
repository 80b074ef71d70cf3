package io.converge.crdt.testing;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The deterministic replay of a {@link History}: replicas named {@code r0, r1, …} start at
 * bottom; a mutation joins its delta locally and puts it in flight to every other replica; the
 * network steps deliver, duplicate or drop deltas in flight, or ship full states. Every state
 * and every delta is checked with {@link ReplicatedData#checkInvariants()} as it is made.
 *
 * <p>Simulated time starts at {@value #START_MILLIS} ms and moves one millisecond per mutation
 * (and by {@link Step.Tick}); each replica's physical clock is that time plus its skew.
 *
 * <p>Not thread-safe; a replay is a value computed once.
 *
 * @param <S> the CRDT type
 */
public final class Replay<S extends ReplicatedData<S>> {
    /** Simulated time at the start of every replay, in epoch milliseconds. */
    public static final long START_MILLIS = 1_700_000_000_000L;

    private final S bottom;
    private final List<S> states;
    private final List<S> deltas = new ArrayList<>();
    private final List<S> observed = new ArrayList<>();
    private final List<String> trace = new ArrayList<>();
    private final List<Mutation<S>> mutations = new ArrayList<>();

    /**
     * One mutation as it happened.
     *
     * @param replica the replica that performed it
     * @param operation the operation
     * @param before the replica's state before
     * @param delta the delta it produced
     * @param full the classic mutator's result on the same state and clock, if the operation has one
     * @param <S> the CRDT type
     */
    public record Mutation<S extends ReplicatedData<S>>(int replica, Operation<S> operation, S before, S delta,
            java.util.Optional<S> full) {
    }

    private Replay(S bottom, int replicas) {
        this.bottom = bottom;
        this.states = new ArrayList<>(Collections.nCopies(replicas, bottom));
    }

    /** The id of replica number {@code index} in every replay: {@code r<index>}. */
    public static ReplicaId replicaId(int index) {
        return ReplicaId.of("r" + index);
    }

    /**
     * Replays {@code history} from {@code bottom}.
     *
     * @throws IllegalStateException if a state or delta breaks its invariants (with the trace)
     */
    public static <S extends ReplicatedData<S>> Replay<S> of(S bottom, History<S> history) {
        Objects.requireNonNull(bottom, "bottom");
        Objects.requireNonNull(history, "history");
        Replay<S> r = new Replay<>(bottom, history.replicas());
        r.run(history);
        return r;
    }

    private void run(History<S> history) {
        int n = history.replicas();
        long[] time = {START_MILLIS};
        List<HybridLogicalClock> clocks = new ArrayList<>();
        List<List<S>> inbox = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long skew = history.clockSkewMillis().get(i);
            clocks.add(HybridLogicalClock.of(() -> Math.max(0, time[0] + skew),
                    HybridLogicalClock.DEFAULT_MAX_OFFSET_MILLIS, HlcTimestamp.ZERO));
            inbox.add(new ArrayList<>());
        }
        observed.add(bottom);
        for (Step<S> step : history.steps()) {
            String line = step.toString();
            try {
                if (step instanceof Step.Mutate<S> m) {
                    time[0]++;
                    int i = m.replica();
                    S before = states.get(i);
                    HybridLogicalClock c = clocks.get(i);
                    long skew = history.clockSkewMillis().get(i);
                    // The full mutator runs on a copy of the clock, so both see the same time.
                    HybridLogicalClock copy = HybridLogicalClock.of(() -> Math.max(0, time[0] + skew),
                            c.maxOffsetMillis(), c.last());
                    java.util.Optional<S> full = m.operation().full(before, new OperationContext(replicaId(i), copy));
                    S delta = Objects.requireNonNull(
                            m.operation().delta(before, new OperationContext(replicaId(i), clocks.get(i))),
                            "operation returned a null delta");
                    check(delta, "delta");
                    deltas.add(delta);
                    mutations.add(new Mutation<>(i, m.operation(), before, delta, full));
                    S after = before.join(delta);
                    set(i, after);
                    for (int j = 0; j < n; j++) {
                        if (j != i) {
                            inbox.get(j).add(delta);
                        }
                    }
                    observed.add(delta);
                } else if (step instanceof Step.Deliver<S> d) {
                    List<S> box = inbox.get(d.replica());
                    if (box.isEmpty()) {
                        line += " (nothing in flight)";
                    } else {
                        S delta = box.remove(Math.floorMod(d.pick(), box.size()));
                        set(d.replica(), states.get(d.replica()).join(delta));
                    }
                } else if (step instanceof Step.Duplicate<S> d) {
                    List<S> box = inbox.get(d.replica());
                    if (box.isEmpty()) {
                        line += " (nothing in flight)";
                    } else {
                        S delta = box.get(Math.floorMod(d.pick(), box.size()));
                        set(d.replica(), states.get(d.replica()).join(delta));
                    }
                } else if (step instanceof Step.Drop<S> d) {
                    List<S> box = inbox.get(d.replica());
                    if (!box.isEmpty()) {
                        box.remove(Math.floorMod(d.pick(), box.size()));
                    }
                } else if (step instanceof Step.Sync<S> s) {
                    set(s.to(), states.get(s.to()).join(states.get(s.from())));
                } else if (step instanceof Step.Tick<S> t) {
                    time[0] += Math.max(0, t.millis());
                }
            } catch (RuntimeException e) {
                trace.add(line + "  !! " + e);
                throw new IllegalStateException("replay failed at step " + trace.size() + ":\n" + traceText(), e);
            }
            trace.add(line);
        }
    }

    private void set(int replica, S state) {
        check(state, "state of r" + replica);
        states.set(replica, state);
        observed.add(state);
    }

    private void check(S state, String what) {
        try {
            state.checkInvariants();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(what + " breaks an invariant: " + e.getMessage() + " in " + state, e);
        }
    }

    /** The final state of each replica. */
    public List<S> states() {
        return Collections.unmodifiableList(states);
    }

    /** Every delta the mutations produced, in order. */
    public List<S> deltas() {
        return Collections.unmodifiableList(deltas);
    }

    /** Every mutation, in order, with the state it ran on. */
    public List<Mutation<S>> mutations() {
        return Collections.unmodifiableList(mutations);
    }

    /** Every state and delta seen during the replay, bottom first: reachable values for law checks. */
    public List<S> observed() {
        return Collections.unmodifiableList(observed);
    }

    /** The join of bottom and every delta produced: what every replica must reach once healed. */
    public S joinOfAllDeltas() {
        S acc = bottom;
        for (S d : deltas) {
            acc = acc.join(d);
        }
        return acc;
    }

    /** The states after a full exchange: each replica joins every other replica's final state. */
    public List<S> healed() {
        List<S> out = new ArrayList<>();
        for (int i = 0; i < states.size(); i++) {
            S s = states.get(i);
            for (int j = 0; j < states.size(); j++) {
                s = s.join(states.get(j));
            }
            out.add(s);
        }
        return out;
    }

    /** One line per step, as replayed. */
    public List<String> trace() {
        return Collections.unmodifiableList(trace);
    }

    /** The trace as numbered lines. */
    public String traceText() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < trace.size(); i++) {
            sb.append(String.format("%4d  %s%n", i + 1, trace.get(i)));
        }
        return sb.toString();
    }
}
