package io.converge.crdt.testing;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.Input;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.Output;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.protocol.SyncMachine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs real {@link SyncMachine}s of several nodes on a simulated network and simulated time, one
 * step at a time: the deterministic harness of the protocol (in the spirit of FoundationDB's
 * simulation and quinn's in-memory {@code Pair}). A {@link Schedule} of steps (updates,
 * deliveries in any order, drops, duplicates, ticks, crashes, partitions) drives it; then
 * {@link #healAndSettle} delivers everything reliably until the network is quiet, failing if
 * that takes more than a bound, and {@link #checkConverged} compares the nodes.
 *
 * <p>A crash loses a node's volatile state (delta buffer, peer positions, messages in flight to
 * it) and keeps what it persisted (every state and its sequence: the driver persists before it
 * sends), as a restart on a durable store would.
 *
 * <p>Not thread-safe. Every run of the same schedule is identical.
 *
 * @param <S> the CRDT type stored under every key
 */
public final class Simulator<S extends ReplicatedData<S>> {
    private final S bottom;
    private final SyncConfig config;
    private final List<Node> nodes = new ArrayList<>();
    private final List<InFlight> network = new ArrayList<>();
    private final List<String> trace = new ArrayList<>();
    private final List<Map.Entry<String, S>> allDeltas = new ArrayList<>();
    private long now = Replay.START_MILLIS;
    private int partitionMask;
    private long messagesDelivered;
    private java.util.function.Consumer<Message> observer = m -> { };
    private boolean groupCommit;

    private final class Node {
        final ReplicaId id;
        final HybridLogicalClock clock;
        SyncMachine machine;
        long incarnation;

        Node(ReplicaId id) {
            this.id = id;
            this.clock = HybridLogicalClock.of(() -> now, HybridLogicalClock.DEFAULT_MAX_OFFSET_MILLIS, HlcTimestamp.ZERO);
            this.machine = SyncMachine.create(id, config);
        }
    }

    private record InFlight(int from, int to, Message message) {
    }

    /** A simulation of {@code nodes} fully connected nodes storing values of {@code bottom}'s type. */
    public Simulator(S bottom, int nodes, SyncConfig config) {
        this.bottom = Objects.requireNonNull(bottom, "bottom");
        this.config = Objects.requireNonNull(config, "config");
        if (nodes < 1) {
            throw new IllegalArgumentException("at least one node, got " + nodes);
        }
        for (int i = 0; i < nodes; i++) {
            this.nodes.add(new Node(ReplicaId.of("n" + i)));
        }
        for (int i = 0; i < nodes; i++) {
            for (int j = 0; j < nodes; j++) {
                if (i != j) {
                    apply(i, new Input.PeerUp(this.nodes.get(j).id, 0));
                }
            }
        }
    }

    /** The machine of node {@code i}. */
    public SyncMachine machine(int i) {
        return nodes.get(i).machine;
    }

    /** One line per step taken. */
    public List<String> trace() {
        return List.copyOf(trace);
    }

    /**
     * From now on, {@link #run(Schedule)} applies the updates of each run of consecutive update
     * steps as one {@link Input.LocalUpdates} step per node (in schedule order within a node), as
     * the driver's group commit does under load. Off by default: each update is its own step.
     */
    public void groupCommit(boolean on) {
        this.groupCommit = on;
    }

    /** Calls {@code observer} with every message delivered from now on (for traffic figures). */
    public void observeDeliveries(java.util.function.Consumer<Message> observer) {
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /** Messages delivered so far. */
    public long messagesDelivered() {
        return messagesDelivered;
    }

    private boolean connected(int a, int b) {
        return ((partitionMask >> a) & 1) == ((partitionMask >> b) & 1);
    }

    private void apply(int i, Input input) {
        Node n = nodes.get(i);
        Output out = n.machine.step(input, now);
        for (Output.Send send : out.sends()) {
            int to = indexOf(send.to());
            network.add(new InFlight(i, to, send.message()));
        }
    }

    private int indexOf(ReplicaId id) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).id.equals(id)) {
                return i;
            }
        }
        throw new IllegalStateException("unknown node " + id);
    }

    /** Runs one schedule step. */
    @SuppressWarnings("unchecked")
    public void run(Schedule.Step<S> step) {
        String line = step.toString();
        if (step instanceof Schedule.Update<S> u) {
            runUpdates(List.of(u));
            return;
        } else if (step instanceof Schedule.Deliver<S> d) {
            if (network.isEmpty()) {
                line += " (nothing in flight)";
            } else {
                InFlight m = network.remove(Math.floorMod(d.pick(), network.size()));
                line += " " + describe(m);
                deliver(m);
            }
        } else if (step instanceof Schedule.Duplicate<S> d) {
            if (!network.isEmpty()) {
                InFlight m = network.get(Math.floorMod(d.pick(), network.size()));
                line += " " + describe(m);
                deliver(m);
            }
        } else if (step instanceof Schedule.Drop<S> d) {
            if (!network.isEmpty()) {
                line += " " + describe(network.remove(Math.floorMod(d.pick(), network.size())));
            }
        } else if (step instanceof Schedule.Tick<S> t) {
            now += Math.max(1, t.millis());
            for (int i = 0; i < nodes.size(); i++) {
                apply(i, new Input.Tick());
            }
        } else if (step instanceof Schedule.Crash<S> c) {
            crash(c.node());
        } else if (step instanceof Schedule.Partition<S> p) {
            partitionMask = p.mask();
        }
        trace.add(line);
    }

    /** Applies updates of one node as one step at one time; one trace line each. */
    @SuppressWarnings("unchecked")
    private void runUpdates(List<Schedule.Update<S>> updates) {
        now++;
        int node = updates.get(0).node();
        Node n = nodes.get(node);
        OperationContext ctx = new OperationContext(n.id, n.clock);
        List<Input.LocalUpdate> inputs = new ArrayList<>();
        List<Map.Entry<String, S>> made = new ArrayList<>();
        for (Schedule.Update<S> u : updates) {
            inputs.add(new Input.LocalUpdate(u.key(), bottom, state -> {
                S d = u.operation().delta((S) state, ctx);
                if (d != null) {
                    made.add(Map.entry(u.key(), d));
                }
                return d;
            }));
        }
        apply(node, inputs.size() == 1 ? inputs.get(0) : new Input.LocalUpdates(inputs));
        allDeltas.addAll(made);
        for (Schedule.Update<S> u : updates) {
            trace.add(updates.size() == 1 ? u.toString() : u + " (one step of " + updates.size() + ")");
        }
    }

    private void deliver(InFlight m) {
        if (!connected(m.from(), m.to())) {
            return; // lost in the partition
        }
        messagesDelivered++;
        observer.accept(m.message());
        apply(m.to(), new Input.Received(nodes.get(m.from()).id, m.message()));
    }

    private String describe(InFlight m) {
        return "n" + m.from() + "→n" + m.to() + " " + m.message().getClass().getSimpleName()
                + (m.message().entries() > 0 ? "(" + m.message().entries() + ")" : "");
    }

    private void crash(int i) {
        Node n = nodes.get(i);
        Map<String, ReplicatedData<?>> durable = new HashMap<>();
        for (String k : n.machine.keys()) {
            durable.put(k, n.machine.get(k).orElseThrow());
        }
        n.machine = new SyncMachine(n.id, config, durable, n.machine.sequence(), ReplicatedData::digest);
        network.removeIf(m -> m.to() == i || m.from() == i);
        n.incarnation++;
        // The others see it leave and come back, as membership would report.
        for (int j = 0; j < nodes.size(); j++) {
            if (j != i) {
                apply(j, new Input.PeerDown(n.id, io.converge.crdt.protocol.PeerDownReason.REMOVED));
                apply(j, new Input.PeerUp(n.id, n.incarnation));
                apply(i, new Input.PeerUp(nodes.get(j).id, nodes.get(j).incarnation));
            }
        }
    }

    /** Runs every step of {@code schedule} (grouping updates if {@link #groupCommit} is on). */
    public void run(Schedule<S> schedule) {
        List<Schedule.Step<S>> steps = schedule.steps();
        int i = 0;
        while (i < steps.size()) {
            if (groupCommit && steps.get(i) instanceof Schedule.Update<S>) {
                // Nodes step independently, so a run of updates is one step per node, each in order.
                Map<Integer, List<Schedule.Update<S>>> groups = new java.util.LinkedHashMap<>();
                while (i < steps.size() && steps.get(i) instanceof Schedule.Update<S> u) {
                    groups.computeIfAbsent(u.node(), k -> new ArrayList<>()).add(u);
                    i++;
                }
                groups.values().forEach(this::runUpdates);
            } else {
                run(steps.get(i++));
            }
        }
    }

    /**
     * Ends any partition and delivers every message reliably, ticking the nodes, until nothing
     * but heartbeats is in flight and every store agrees.
     *
     * @return the number of rounds it took
     * @throws ConvergenceFailure if the nodes do not settle within {@code maxRounds} rounds
     */
    public int healAndSettle(int maxRounds) {
        partitionMask = 0;
        for (int round = 1; round <= maxRounds; round++) {
            while (!network.isEmpty()) {
                deliver(network.remove(0));
            }
            now += config.syncIntervalMillis();
            for (int i = 0; i < nodes.size(); i++) {
                apply(i, new Input.Tick());
            }
            boolean onlyHeartbeats = network.stream().allMatch(m -> m.message() instanceof Message.Heartbeat);
            if (onlyHeartbeats && agree()) {
                network.clear();
                return round;
            }
        }
        throw new ConvergenceFailure("nodes did not settle within " + maxRounds + " rounds; in flight: "
                + network.size() + "\n" + traceText());
    }

    private boolean agree() {
        SyncMachine first = nodes.get(0).machine;
        for (Node n : nodes) {
            if (n.machine.size() != first.size() || n.machine.storeDigest() != first.storeDigest()) {
                return false;
            }
            // Quiet, too: a transfer abandoned on a lost or reordered chunk is still to be redone.
            for (io.converge.crdt.protocol.MachineStats.PeerStats p : n.machine.stats().peers().values()) {
                if (p.sendingTransfer() || p.receivingTransfer()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Checks that every node holds, for every key, the join of every delta made for it.
     *
     * @throws ConvergenceFailure naming the first key and node that differ, with the trace
     */
    @SuppressWarnings("unchecked")
    public void checkConverged() {
        Map<String, S> expected = new HashMap<>();
        for (Map.Entry<String, S> e : allDeltas) {
            expected.merge(e.getKey(), e.getValue(), S::join);
        }
        for (Node n : nodes) {
            for (Map.Entry<String, S> e : expected.entrySet()) {
                S expectedState = bottom.join(e.getValue());
                ReplicatedData<?> actual = n.machine.get(e.getKey()).orElse(null);
                if (expectedState.isBottom() && actual == null) {
                    continue;
                }
                if (actual == null || !actual.equals(expectedState)) {
                    throw new ConvergenceFailure("node " + n.id + " key '" + e.getKey() + "' holds " + actual
                            + "\n  expected the join of all its deltas: " + expectedState + "\n" + traceText());
                }
                ((S) actual).checkInvariants();
            }
            if (n.machine.size() > expected.size()) {
                throw new ConvergenceFailure("node " + n.id + " holds keys nobody wrote\n" + traceText());
            }
        }
    }

    private String traceText() {
        StringBuilder sb = new StringBuilder("trace:\n");
        for (int i = 0; i < trace.size(); i++) {
            sb.append(String.format("%4d  %s%n", i + 1, trace.get(i)));
        }
        return sb.toString();
    }
}
