package io.converge.crdt.testing;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.DecodeException;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.engine.SyncStats;
import io.converge.crdt.protocol.MachineStats;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.store.FsyncPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A deterministic simulation of a cluster of {@link Replicator}s (FoundationDB's simulation,
 * TigerBeetle's VOPR; sync.md §5 "Test 1"): the real engine (driver, frame stage with the real
 * codec, persistence through the real record decoding) on one thread, on simulated time, over a
 * simulated network and simulated disks. A {@link Schedule} drives it; everything the schedule
 * leaves to chance comes from its seed, so a run replays exactly, in any JVM.
 *
 * <h2>What is simulated</h2>
 * <ul>
 *   <li><b>Time</b>: one event queue ordered by (time, submission); each node sees it through its
 *       own clock (with a bounded skew) and scheduler, whose work dies with the node.
 *   <li><b>Network</b>: per-direction links with latency, random loss, duplication and
 *       reordering ({@link Faults}), symmetric, asymmetric and non-transitive cuts; membership
 *       views that lag, repeat, flap and merge, telling unreachable, left and removed peers apart
 *       (see the schedule's steps).
 *   <li><b>Disks</b>: a {@link SimulatedDisk} per node with CRC-checked records; a crash keeps
 *       what the fsync policy made durable, and may tear the write it interrupts. A restart is
 *       {@link Replicator#start} on the same disk as a new incarnation, recovering through the
 *       real decode path.
 * </ul>
 *
 * <h2>What is checked</h2>
 * Throughout: no exception escapes the engine (a sync step, a persist, a timer, a recovery), the
 * hybrid logical clocks never go back, the delta buffers stay within their bound, every frame
 * stays within the codec's frame limit and the message entry cap, every frame decodes. After
 * {@link #healAndSettle()} (all links up, every node running, views settled, nothing left to
 * send, within a bound of simulated time), {@link #check()}: every node holds equal states for
 * every key and equal store digests, every update whose future completed (an acknowledged write)
 * is included, buffers are empty, and, unless a crash or a leave dropped writes that were not
 * yet durable, nothing beyond what was written.
 * Failures are {@link ConvergenceFailure}s carrying the trace: one line per step, and with
 * {@link Builder#traceEvents} one line per delivery, loss, view change, crash and restart too.
 *
 * <h2>Why crashes run with fsync {@code ALWAYS}</h2>
 * Under a policy that can lose acknowledged records a restarted replica may reissue dots its
 * peers already hold (crdt.md §2: losing state needs a new replica id), which no protocol can
 * repair. The default policy is {@link FsyncPolicy#ALWAYS}, which loses only writes that were
 * never acknowledged, so every crash schedule checks the protocol, not that known hazard.
 *
 * <p>Not thread-safe: one thread runs a simulation. Example:
 * <pre>{@code
 * Simulator<ORSet<String>> sim = Simulator.builder(ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()))
 *         .faults(Simulator.Faults.typical()).build(schedule);
 * sim.run(schedule);
 * sim.healAndSettle();
 * sim.check();
 * }</pre>
 *
 * @param <S> the CRDT type stored under every key
 */
public final class Simulator<S extends ReplicatedData<S>> {
    /** Where simulated time starts, in epoch milliseconds. */
    public static final long START_MILLIS = Replay.START_MILLIS;

    /**
     * What the network, the membership views, the disks and the clocks do at random. Latencies,
     * lags and fsync latencies are drawn uniformly from their ranges; rates are per frame (drop,
     * duplicate, reorder) or per view report (repeat).
     *
     * @param minLatencyMillis smallest one-way latency of a link (drawn once per link)
     * @param maxLatencyMillis largest one-way latency of a link
     * @param jitterMillis extra delay per frame, up to this
     * @param dropRate share of frames lost
     * @param duplicateRate share of frames delivered twice
     * @param reorderRate share of frames delayed past later ones on their link
     * @param minViewLagMillis shortest time a view takes to report a change
     * @param maxViewLagMillis longest time a view takes to report a change
     * @param viewRepeatRate share of peer-up reports repeated later (same incarnation)
     * @param removeAfterMillis how long a crashed peer stays unreachable before it is removed
     * @param maxFsyncMillis longest time a disk write takes
     * @param maxClockSkewMillis largest offset of a node's clock, either way (drawn once per node)
     */
    public record Faults(long minLatencyMillis, long maxLatencyMillis, long jitterMillis, double dropRate,
            double duplicateRate, double reorderRate, long minViewLagMillis, long maxViewLagMillis,
            double viewRepeatRate, long removeAfterMillis, long maxFsyncMillis, long maxClockSkewMillis) {
        /** @throws IllegalArgumentException if a range is empty or negative, or a rate outside [0, 1) */
        public Faults {
            if (minLatencyMillis < 1 || maxLatencyMillis < minLatencyMillis || jitterMillis < 0
                    || minViewLagMillis < 0 || maxViewLagMillis < minViewLagMillis || removeAfterMillis < 0
                    || maxFsyncMillis < 0 || maxClockSkewMillis < 0) {
                throw new IllegalArgumentException("latencies at least 1 ms, ranges not empty, durations not negative");
            }
            for (double r : new double[] {dropRate, duplicateRate, reorderRate, viewRepeatRate}) {
                if (r < 0 || r >= 1) {
                    throw new IllegalArgumentException("rates must be within [0, 1), got " + r);
                }
            }
        }

        /** A reliable, in-order network with 1 ms links, views without lag, instant disks, exact clocks. */
        public static Faults none() {
            return new Faults(1, 1, 0, 0, 0, 0, 0, 0, 0, 5_000, 0, 0);
        }

        /**
         * A realistic bad day: links of 1 to 30 ms (jitter 5 ms), 2% loss, 1% duplicates, 2%
         * reordered, views 10 ms to 1 s late and 20% of peer-ups repeated, crashed peers removed
         * after 4 s, disk writes up to 5 ms, clocks up to 200 ms apart.
         */
        public static Faults typical() {
            return new Faults(1, 30, 5, 0.02, 0.01, 0.02, 10, 1_000, 0.2, 4_000, 5, 200);
        }

        /**
         * A hostile network: links of 1 to 100 ms (jitter 40 ms), 20% loss, 10% duplicates, 20%
         * reordered, views up to 3 s late and half of peer-ups repeated, crashed peers removed
         * after 2 s, disk writes up to 20 ms, clocks up to 400 ms apart (within the HLC's 500 ms).
         */
        public static Faults harsh() {
            return new Faults(1, 100, 40, 0.2, 0.1, 0.2, 0, 3_000, 0.5, 2_000, 20, 400);
        }
    }

    /**
     * A frame delivered to a node, for traffic figures in tests.
     *
     * @param from sending node
     * @param to receiving node
     * @param bytes the frame's size
     * @param message the message it carried
     */
    public record Delivery(int from, int to, int bytes, Message message) {
    }

    /** Builds a {@link Simulator}. Not thread-safe. */
    public static final class Builder<S extends ReplicatedData<S>> {
        private final S bottom;
        private final CrdtCodec<S> codec;
        private int nodes = 3;
        private long seed;
        private SyncConfig sync = SyncConfig.defaults();
        private Faults faults = Faults.none();
        private FsyncPolicy fsync = FsyncPolicy.ALWAYS;
        private int snapshotEvery = 16;
        private boolean traceEvents;
        private long settleMillis = 120_000;
        private boolean checkMessages = true;

        private Builder(S bottom, CrdtCodec<S> codec) {
            this.bottom = Objects.requireNonNull(bottom, "bottom");
            this.codec = Objects.requireNonNull(codec, "codec");
            if (!bottom.isBottom()) {
                throw new IllegalArgumentException("bottom must be the empty value, got " + bottom);
            }
        }

        /** Number of nodes, 1 to 31; default 3. */
        public Builder<S> nodes(int n) {
            if (n < 1 || n > 31) {
                throw new IllegalArgumentException("1 to 31 nodes, got " + n);
            }
            this.nodes = n;
            return this;
        }

        /** Seed of every random decision; default 0. */
        public Builder<S> seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Protocol settings of every node; default {@link SyncConfig#defaults()}. */
        public Builder<S> sync(SyncConfig sync) {
            this.sync = Objects.requireNonNull(sync, "sync");
            return this;
        }

        /** What goes wrong at random; default {@link Faults#none()}. */
        public Builder<S> faults(Faults faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /**
         * The disks' fsync policy; default {@link FsyncPolicy#ALWAYS}. Others can lose
         * acknowledged writes on a crash, and with them dots already sent: see the class comment.
         */
        public Builder<S> fsync(FsyncPolicy policy) {
            this.fsync = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Records between snapshots on every disk; default 16 (small, so snapshots happen in short runs). */
        public Builder<S> snapshotEvery(int records) {
            if (records < 1) {
                throw new IllegalArgumentException("at least 1 record between snapshots, got " + records);
            }
            this.snapshotEvery = records;
            return this;
        }

        /** Traces every delivery, loss, view change, disk crash and restart, not only the steps; default off. */
        public Builder<S> traceEvents(boolean on) {
            this.traceEvents = on;
            return this;
        }

        /** How much simulated time {@link #healAndSettle()} may take; default 120 s. */
        public Builder<S> settleWithin(Duration d) {
            Objects.requireNonNull(d, "settleWithin");
            if (d.toMillis() < 1) {
                throw new IllegalArgumentException("settleWithin must be at least 1 ms, got " + d);
            }
            this.settleMillis = d.toMillis();
            return this;
        }

        /**
         * Decodes every delivered frame to check the message entry cap; default on (it costs a
         * second decode of every frame).
         */
        public Builder<S> checkMessages(boolean on) {
            this.checkMessages = on;
            return this;
        }

        /** A simulator of the configured number of nodes, started and with every link up. */
        public Simulator<S> build() {
            return new Simulator<>(this);
        }

        /** A simulator for {@code schedule}: its number of nodes and its seed. */
        public Simulator<S> build(Schedule<S> schedule) {
            return nodes(schedule.nodes()).seed(schedule.seed()).build();
        }

        /**
         * Runs {@code schedule} to the end, heals, settles and checks.
         *
         * @return the simulator, for further assertions
         * @throws ConvergenceFailure if a check fails, with the seed and the trace
         */
        public Simulator<S> check(Schedule<S> schedule) {
            Simulator<S> sim = build(schedule);
            sim.run(schedule);
            sim.healAndSettle();
            sim.check();
            return sim;
        }
    }

    /** A builder for a simulation of {@code bottom}'s type, whose frames and records use {@code codec}. */
    public static <S extends ReplicatedData<S>> Builder<S> builder(S bottom, CrdtCodec<S> codec) {
        return new Builder<>(bottom, codec);
    }

    private static final int UP = 0;
    private static final int LEAVING = 1;
    private static final int CRASHED = 2;
    private static final int LEFT = 3;
    private static final String[] STATES = {"up", "leaving", "crashed", "left"};

    private final S bottom;
    private final CrdtCodec<S> codec;
    private final SyncConfig sync;
    private final Faults faults;
    private final long seed;
    private final long settleMillis;
    private final boolean traceEvents;
    private final boolean checkMessages;
    private final Random random;
    private final VirtualTime time;
    private final SimulatedNetwork network;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Key<S>> keys = new TreeMap<>();
    /** Per key, the join of every delta any update produced: an upper bound while {@link #everyWriteKept}. */
    private final Map<String, S> written = new TreeMap<>();
    private final List<Write<S>> acknowledged = new ArrayList<>();
    private final List<String> trace = new ArrayList<>();
    private final List<Consumer<Delivery>> observers = new ArrayList<>();
    private final MessageCodec frames;
    private final int maxFrameBytes = CodecLimits.defaults().maxFrameBytes();
    private int steps;
    /**
     * False once an incarnation ended with updates not yet durable: they are lost, and their
     * dots may be minted again with other values, so the join of all writes bounds nothing.
     */
    private boolean everyWriteKept = true;
    private String failure;

    /** An update whose future completed: its delta must be in every final state. */
    private record Write<S>(String key, S delta, String by) {
    }

    /** One node: its disk outlives its incarnations. */
    private final class Node {
        final int index;
        final ReplicaId id;
        final SimulatedDisk disk;
        final long skew;
        long incarnation;
        int state = CRASHED;
        Replicator replicator;
        VirtualTime.NodeScheduler scheduler;
        HlcTimestamp lastHlc = HlcTimestamp.ZERO;
        /** Updates of this incarnation whose future has not completed. */
        int pendingUpdates;

        Node(int index, SimulatedDisk disk, long skew) {
            this.index = index;
            this.id = ReplicaId.of("n" + index);
            this.disk = disk;
            this.skew = skew;
        }

        boolean alive() {
            return state == UP || state == LEAVING;
        }
    }

    private Simulator(Builder<S> b) {
        this.bottom = b.bottom;
        this.codec = b.codec;
        this.sync = b.sync;
        this.faults = b.faults;
        this.seed = b.seed;
        this.settleMillis = b.settleMillis;
        this.traceEvents = b.traceEvents;
        this.checkMessages = b.checkMessages;
        this.random = new Random(b.seed);
        this.time = new VirtualTime(START_MILLIS, (node, error) -> fail("n" + node + ": an exception escaped", error));
        this.frames = new MessageCodec(CodecRegistry.of(codec), CodecLimits.defaults());
        for (int i = 0; i < b.nodes; i++) {
            long skew = faults.maxClockSkewMillis() == 0 ? 0
                    : random.nextInt((int) (2 * faults.maxClockSkewMillis() + 1)) - faults.maxClockSkewMillis();
            nodes.add(new Node(i, new SimulatedDisk(b.fsync, b.snapshotEvery), skew));
        }
        this.network = new SimulatedNetwork(b.nodes, time, random, faults, new SimulatedNetwork.Nodes() {
            @Override
            public ReplicaId id(int node) {
                return nodes.get(node).id;
            }

            @Override
            public boolean alive(int node) {
                return nodes.get(node).alive();
            }

            @Override
            public long incarnation(int node) {
                return nodes.get(node).incarnation;
            }

            @Override
            public boolean left(int node) {
                return nodes.get(node).state == LEFT;
            }
        }, new SimulatedNetwork.Observer() {
            @Override
            public boolean tracing() {
                return traceEvents;
            }

            @Override
            public void trace(String line) {
                event(line);
            }

            @Override
            public void delivered(int from, int to, byte[] frame) {
                onDelivery(from, to, frame);
            }
        });
        if (b.fsync.mode() == FsyncPolicy.Mode.EVERY_N_MILLIS) {
            flushEvery(b.fsync.intervalMillis());
        }
        for (Node n : nodes) {
            start(n);
        }
        trace.add("seed " + seed + ", " + nodes.size() + " nodes, " + faults + ", " + sync + ", fsync " + b.fsync
                + (faults.maxClockSkewMillis() > 0 ? ", skews " + skews() : ""));
    }

    private String skews() {
        StringBuilder sb = new StringBuilder();
        for (Node n : nodes) {
            sb.append(n.index == 0 ? "" : " ").append("n").append(n.index).append(n.skew >= 0 ? "+" : "").append(n.skew)
                    .append("ms");
        }
        return sb.toString();
    }

    /** The disks' flusher under {@code everyMillis}: syncs every disk every interval. */
    private void flushEvery(long millis) {
        time.at(time.now() + millis, () -> {
            for (Node n : nodes) {
                n.disk.sync();
            }
            flushEvery(millis);
        });
    }

    // ------------------------------------------------------------------------------ lifecycle

    private void start(Node n) {
        n.incarnation++;
        n.state = UP;
        n.lastHlc = HlcTimestamp.ZERO;
        n.pendingUpdates = 0;
        n.scheduler = time.new NodeScheduler(n.index, n.skew,
                () -> faults.maxFsyncMillis() == 0 ? 0 : random.nextInt((int) faults.maxFsyncMillis() + 1));
        long inc = n.incarnation;
        ReplicatorConfig config = ReplicatorConfig.builder(n.id)
                .transport(network.transport(n.index, inc))
                .recordStore(traceEvents ? tracing(n) : n.disk)
                .scheduler(n.scheduler)
                .clock(n.scheduler::clock)
                .listenerExecutor(Runnable::run)
                .codecs(CodecRegistry.of(codec))
                .sync(sync)
                .failureListener(e -> fail(n.id + " (incarnation " + inc + "): the engine caught an exception", e))
                .build();
        try {
            n.replicator = Replicator.start(config);
        } catch (RuntimeException e) {
            n.state = CRASHED;
            n.scheduler.kill();
            fail(n.id + " failed to start from its disk", e);
            return;
        }
        if (n.incarnation > 1) {
            event("  n" + n.index + " restarted as incarnation " + inc + " (" + n.disk.recordsRecovered()
                    + " records recovered" + (n.disk.droppedTornRecord() ? ", a torn record dropped" : "")
                    + (n.disk.hasSnapshot() ? ", from a snapshot" : "") + ")");
        }
    }

    /** {@code n}'s disk, tracing each record appended (records are Deltas frames). */
    private io.converge.crdt.engine.spi.RecordStore tracing(Node n) {
        return new io.converge.crdt.engine.spi.RecordStore() {
            @Override
            public long recover(SnapshotConsumer snapshot, RecordConsumer records) {
                return n.disk.recover(snapshot, records);
            }

            @Override
            public void appendAll(long[] sequences, byte[][] records) {
                boolean wasCrashed = n.disk.crashed();
                n.disk.appendAll(sequences, records);
                for (int i = 0; i < sequences.length && !wasCrashed; i++) {
                    String text;
                    try {
                        text = frames.decode(records[i]).toString();
                    } catch (DecodeException e) {
                        text = e.toString();
                    }
                    event("  n" + n.index + " disk: record " + sequences[i] + " " + (text.length() > 200
                            ? text.substring(0, 200) + "…" : text) + (n.disk.crashed() ? " (crash while writing)" : ""));
                }
            }

            @Override
            public boolean snapshotDue() {
                return n.disk.snapshotDue();
            }

            @Override
            public void snapshot(long covers, byte[] state) {
                n.disk.snapshot(covers, state);
                event("  n" + n.index + " disk: snapshot covering " + covers + ", " + state.length + " B"
                        + (n.disk.crashed() ? " (torn by the crash)" : ""));
            }

            @Override
            public void close() {
                n.disk.close();
            }
        };
    }

    private void crash(Node n, int tornPercent) {
        if (!n.alive()) {
            appendToLast("already down");
            return;
        }
        checkFrameStage(n);
        n.state = CRASHED;
        if (n.pendingUpdates > 0) {
            everyWriteKept = false;
        }
        n.scheduler.kill();
        network.crashed(n.index);
        String what = "nothing pending on disk";
        if (n.scheduler.diskPending()) {
            // The crash strikes in the middle of the oldest pending write. The node is dead
            // already, so what that write completes (acks, sends) goes nowhere.
            int before = n.disk.writtenBytes();
            n.disk.crashDuringNextWrite(tornPercent);
            n.scheduler.runPendingDiskTaskOfDeadNode();
            what = "pending write cut: " + (n.disk.writtenBytes() - before) + " bytes landed";
        }
        if (!n.disk.crashed()) {
            n.disk.crash(tornPercent);
        }
        event("  n" + n.index + " crashed (" + what + "; " + n.disk + ")");
    }

    private void leave(Node n) {
        if (n.state != UP) {
            appendToLast("not up");
            return;
        }
        n.state = LEAVING;
        long inc = n.incarnation;
        n.replicator.closeAsync().whenComplete((v, e) -> {
            if (n.incarnation == inc && n.state == LEAVING) {
                checkFrameStage(n);
                n.state = LEFT;
                if (n.pendingUpdates > 0) {
                    everyWriteKept = false; // accepted before the leave, never made durable
                }
                n.scheduler.kill(); // the process exits
                event("  n" + n.index + " left");
            }
        });
    }

    private void update(Node n, Schedule.Update<S> u) {
        if (!n.alive()) {
            appendToLast("skipped, n" + n.index + " is down");
            return;
        }
        Key<S> key = keys.computeIfAbsent(u.key(), k -> Key.of(k, bottom, codec));
        long inc = n.incarnation;
        n.pendingUpdates++;
        List<S> made = new ArrayList<>(1);
        CompletableFuture<S> f = n.replicator.updateAsync(key, (state, ctx) -> {
            S d = u.operation().delta(state, new OperationContext(ctx.self(), ctx.clock()));
            if (d != null) {
                made.add(d);
                written.merge(u.key(), d, S::join);
            }
            return d;
        });
        f.whenComplete((state, error) -> {
            if (n.incarnation != inc || !n.alive()) {
                return; // completed inside a dying process: nobody was told
            }
            n.pendingUpdates--;
            if (error == null) {
                for (S d : made) {
                    acknowledged.add(new Write<>(u.key(), d, n.id + " " + u.operation().description()));
                }
            } else if (!(unwrap(error) instanceof IllegalStateException)) { // closed: refused, never applied
                fail(n.id + ": update " + u + " failed", error);
            }
        });
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    // ------------------------------------------------------------------------------ running

    /** Runs every step of {@code schedule}. */
    public void run(Schedule<S> schedule) {
        Objects.requireNonNull(schedule, "schedule");
        if (schedule.nodes() != nodes.size()) {
            throw new IllegalArgumentException("the schedule is for " + schedule.nodes() + " nodes, the simulation has "
                    + nodes.size());
        }
        for (Schedule.Step<S> s : schedule.steps()) {
            run(s);
        }
    }

    /** Runs one step. */
    public void run(Schedule.Step<S> step) {
        Objects.requireNonNull(step, "step");
        if (!(step instanceof Schedule.Update<S>)) {
            // Updates in a row reach the sync loops together (group commit); anything else first
            // lets what is due now happen.
            settleNow();
        }
        steps++;
        trace.add(line(steps, step.toString()));
        if (step instanceof Schedule.Update<S> u) {
            update(node(u.node()), u);
        } else if (step instanceof Schedule.Tick<S> t) {
            advance(t.millis());
        } else if (step instanceof Schedule.Deliver<S> d) {
            appendToLast(network.deliver(d.pick(), false));
        } else if (step instanceof Schedule.Duplicate<S> d) {
            appendToLast(network.deliver(d.pick(), true));
        } else if (step instanceof Schedule.Drop<S> d) {
            appendToLast(network.drop(d.pick()));
        } else if (step instanceof Schedule.Crash<S> c) {
            crash(node(c.node()), c.tornPercent());
        } else if (step instanceof Schedule.Restart<S> r) {
            Node n = node(r.node());
            if (n.alive()) {
                appendToLast("already up");
            } else {
                start(n);
            }
        } else if (step instanceof Schedule.Leave<S> l) {
            leave(node(l.node()));
        } else if (step instanceof Schedule.Partition<S> p) {
            network.partition(p.mask());
        } else if (step instanceof Schedule.Cut<S> c) {
            node(c.from());
            network.link(c.from(), node(c.to()).index, false);
        } else if (step instanceof Schedule.Mend<S> m) {
            node(m.from());
            network.link(m.from(), node(m.to()).index, true);
        } else if (step instanceof Schedule.Suspect<S> s) {
            node(s.observer());
            network.suspect(s.observer(), node(s.peer()).index);
        }
        throwIfFailed();
    }

    private void appendToLast(String detail) {
        trace.set(trace.size() - 1, trace.get(trace.size() - 1) + ": " + detail);
    }

    private Node node(int i) {
        if (i < 0 || i >= nodes.size()) {
            throw new IllegalArgumentException("no node " + i + " among " + nodes.size());
        }
        return nodes.get(i);
    }

    /** Moves simulated time on by {@code millis}, running everything due meanwhile. */
    public void advance(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("time moves forward, got " + millis);
        }
        long until = time.now() + millis;
        while (time.runNext(until)) {
            afterEvent();
        }
        time.runUntil(until);
        throwIfFailed();
    }

    /** Runs what is due now (zero-time work queued by the last steps). */
    private void settleNow() {
        while (time.runNext(time.now())) {
            afterEvent();
        }
        throwIfFailed();
    }

    /** Cheap invariants after every event: clocks never go back, buffers stay bounded. */
    private void afterEvent() {
        for (Node n : nodes) {
            if (!n.alive()) {
                continue;
            }
            HlcTimestamp h = n.replicator.clock().last();
            if (h.compareTo(n.lastHlc) < 0) {
                fail(n.id + ": hybrid logical clock went back from " + n.lastHlc + " to " + h, null);
            }
            n.lastHlc = h;
            int buffered = n.replicator.stats().protocol().bufferedDeltas();
            if (buffered > sync.bufferMaxEntries()) {
                fail(n.id + ": " + buffered + " deltas buffered, above the bound of " + sync.bufferMaxEntries(), null);
            }
        }
    }

    private void onDelivery(int from, int to, byte[] frame) {
        if (frame.length > maxFrameBytes) {
            fail("n" + from + "→n" + to + ": a frame of " + frame.length + " bytes, above " + maxFrameBytes, null);
        }
        if (!checkMessages && observers.isEmpty() && !traceEvents) {
            return;
        }
        Message m;
        try {
            m = frames.decode(frame);
        } catch (DecodeException e) {
            fail("n" + from + "→n" + to + ": a frame that does not decode", e);
            return;
        }
        if (m.entries() > sync.maxEntriesPerMessage()) {
            fail("n" + from + "→n" + to + ": a " + m.getClass().getSimpleName() + " of " + m.entries()
                    + " entries, above the cap of " + sync.maxEntriesPerMessage(), null);
        }
        if (traceEvents) {
            String text = m.toString(); // records print their fields; values print bounded
            event("  n" + from + "→n" + to + " " + frame.length + " B " + (text.length() > 240
                    ? text.substring(0, 240) + "…" : text));
        }
        if (!observers.isEmpty()) {
            Delivery d = new Delivery(from, to, frame.length, m);
            for (Consumer<Delivery> o : observers) {
                o.accept(d);
            }
        }
    }

    /**
     * Heals everything and runs until the cluster is quiet: every link up, random faults off,
     * every down node restarted (a leaving one once it left), every view settled, and on every
     * node every peer up at its current incarnation, having acknowledged everything, no
     * transfer under way, no delta buffered, all store digests equal.
     *
     * @return the simulated milliseconds it took
     * @throws ConvergenceFailure if it is not quiet within the bound ({@link Builder#settleWithin})
     */
    public long healAndSettle() {
        settleNow();
        long start = time.now();
        trace.add(line(steps, "heal: every link up, faults off, every node restarted"));
        network.heal();
        long deadline = start + settleMillis;
        while (true) {
            for (Node n : nodes) {
                if (n.state == CRASHED || n.state == LEFT) {
                    start(n);
                }
            }
            if (quiet()) {
                trace.add(line(steps, "quiet after " + (time.now() - start) + " ms"));
                return time.now() - start;
            }
            if (time.now() >= deadline) {
                throw failure("not quiet within " + settleMillis + " ms of the heal: " + String.join("; ", unsettled())
                        + "\n" + describeNodes());
            }
            advance(Math.min(50, deadline - time.now()));
        }
    }

    private boolean quiet() {
        return unsettled().isEmpty();
    }

    /**
     * Why the cluster is not quiet yet, one reason per line, in node order; empty once it is
     * (every node up, views settled, every peer up at its current incarnation and caught up, no
     * transfer either way, no delta buffered, equal store digests).
     */
    public List<String> unsettled() {
        List<String> why = new ArrayList<>();
        for (Node n : nodes) {
            if (n.state != UP) {
                why.add(n.id + " is " + STATES[n.state]);
            }
        }
        if (!why.isEmpty()) {
            return why;
        }
        if (!network.viewsSettled()) {
            why.add("views not settled");
        }
        MachineStats first = null;
        for (Node n : nodes) {
            MachineStats m = n.replicator.stats().protocol();
            if (m.bufferedDeltas() != 0) {
                why.add(n.id + " buffers " + m.bufferedDeltas() + " deltas");
            }
            if (m.peers().size() != nodes.size() - 1) {
                why.add(n.id + " knows " + m.peers().size() + " peers");
            }
            for (Map.Entry<ReplicaId, MachineStats.PeerStats> e : m.peers().entrySet()) {
                MachineStats.PeerStats p = e.getValue();
                Node peer = nodes.get(Integer.parseInt(e.getKey().name().substring(1)));
                if (!p.up() || p.incarnation() != peer.incarnation) {
                    why.add(n.id + " holds " + peer.id + " " + (p.up() ? "up" : "down") + " at incarnation "
                            + p.incarnation() + " (current " + peer.incarnation + ")");
                } else if (p.acknowledged() < m.sequence()) {
                    why.add(n.id + " waits for " + peer.id + " to acknowledge " + m.sequence() + " (has "
                            + p.acknowledged() + ")");
                }
                if (p.sendingTransfer()) {
                    why.add(n.id + " sends a transfer to " + peer.id);
                }
                if (p.receivingTransfer()) {
                    why.add(n.id + " waits for a transfer from " + peer.id);
                }
            }
            if (first == null) {
                first = m;
            } else if (first.storeDigest() != m.storeDigest() || first.keys() != m.keys()) {
                why.add(n.id + " differs from " + nodes.get(0).id + " (digest " + m.storeDigest() + ", "
                        + m.keys() + " keys)");
            }
        }
        return why;
    }

    /**
     * Runs simulated time until {@code condition} holds, checking it every {@code stepMillis}.
     *
     * @return the simulated milliseconds it took, or -1 if it did not hold within {@code maxMillis}
     */
    public long runUntil(BooleanSupplier condition, long stepMillis, long maxMillis) {
        Objects.requireNonNull(condition, "condition");
        settleNow();
        long start = time.now();
        while (!condition.getAsBoolean()) {
            if (time.now() - start >= maxMillis) {
                return -1;
            }
            advance(Math.max(1, stepMillis));
        }
        return time.now() - start;
    }

    // ------------------------------------------------------------------------------ checking

    /**
     * Checks a settled cluster: every node up, equal states for every key and equal digests,
     * every acknowledged write included, every buffer empty, nothing refused by a frame stage, and
     * (unless a crash or a leave dropped writes not yet durable) no state beyond the join of
     * everything written.
     *
     * @throws ConvergenceFailure naming what differs, with the trace
     */
    public void check() {
        settleNow();
        Node first = nodes.get(0);
        for (Node n : nodes) {
            if (n.state != UP) {
                throw failure(n.id + " is " + STATES[n.state] + ": check after healAndSettle()");
            }
            checkFrameStage(n);
            if (n.replicator.stats().protocol().bufferedDeltas() != 0) {
                throw failure(n.id + " still buffers " + n.replicator.stats().protocol().bufferedDeltas() + " deltas");
            }
        }
        throwIfFailed();
        for (Key<S> key : keys.values()) {
            Optional<S> expected = first.replicator.get(key);
            expected.ifPresent(ReplicatedData::checkInvariants);
            for (Node n : nodes) {
                Optional<S> actual = n.replicator.get(key);
                if (!actual.equals(expected)) {
                    throw failure("divergent: " + key.name() + " is " + describe(actual) + " on " + n.id + " but "
                            + describe(expected) + " on " + first.id);
                }
            }
        }
        for (Node n : nodes) {
            if (n.replicator.size() != first.replicator.size()
                    || n.replicator.stats().storeDigest() != first.replicator.stats().storeDigest()) {
                throw failure("divergent: " + n.id + " holds " + n.replicator.size() + " keys (digest "
                        + n.replicator.stats().storeDigest() + "), " + first.id + " " + first.replicator.size()
                        + " (digest " + first.replicator.stats().storeDigest() + ")");
            }
        }
        for (Write<S> w : acknowledged) {
            S state = first.replicator.get(keys.get(w.key())).orElse(bottom);
            if (!state.join(w.delta()).equals(state)) {
                throw failure("an acknowledged write is lost: " + w.by() + " on " + w.key() + " (delta " + w.delta()
                        + ") is not in " + state);
            }
        }
        if (everyWriteKept) {
            if (first.replicator.size() > written.size()) {
                throw failure(first.id + " holds " + first.replicator.size() + " keys, only " + written.size()
                        + " were written");
            }
            for (Map.Entry<String, S> e : written.entrySet()) {
                S state = first.replicator.get(keys.get(e.getKey())).orElse(bottom);
                S all = bottom.join(e.getValue());
                if (!all.join(state).equals(all)) {
                    throw failure(e.getKey() + " holds " + state + ", beyond the join of everything written: " + all);
                }
            }
        }
    }

    private void checkFrameStage(Node n) {
        SyncStats s = n.replicator.stats();
        if (s.framesRejected() != 0 || s.messagesUnencodable() != 0) {
            fail(n.id + ": its frame stage refused " + s.framesRejected() + " frames and could not encode "
                    + s.messagesUnencodable() + " messages", null);
        }
    }

    private String describe(Optional<S> s) {
        return s.map(Object::toString).orElse("absent");
    }

    private String describeNodes() {
        StringBuilder sb = new StringBuilder();
        for (Node n : nodes) {
            sb.append(n.id).append(" incarnation ").append(n.incarnation).append(' ').append(STATES[n.state]);
            if (n.alive()) {
                MachineStats m = n.replicator.stats().protocol();
                sb.append(": sequence ").append(m.sequence()).append(", ").append(m.keys()).append(" keys, digest ")
                        .append(m.storeDigest()).append(", ").append(m.bufferedDeltas()).append(" buffered, peers ")
                        .append(m.peers());
            }
            sb.append('\n').append("  ").append(network.describeView(n.index)).append('\n');
        }
        for (Key<S> key : keys.values()) {
            Optional<S> first = null;
            boolean differ = false;
            for (Node n : nodes) {
                Optional<S> v = n.alive() ? n.replicator.get(key) : Optional.empty();
                differ |= first != null && !v.equals(first);
                first = first == null ? v : first;
            }
            if (differ) {
                sb.append(key.name()).append(" differs:\n");
                for (Node n : nodes) {
                    sb.append("  ").append(n.id).append(": ")
                            .append(n.alive() ? describe(n.replicator.get(key)) : "down").append('\n');
                }
            }
        }
        return sb.toString();
    }

    private void fail(String what, Throwable error) {
        if (failure != null) {
            return; // the first failure is the one to read; the rest follow from it
        }
        StringBuilder sb = new StringBuilder(what);
        if (error != null) {
            StringWriter w = new StringWriter();
            unwrap(error).printStackTrace(new PrintWriter(w));
            String[] lines = w.toString().split("\n");
            sb.append(": ");
            for (int i = 0; i < Math.min(lines.length, 16); i++) {
                sb.append(lines[i].stripTrailing()).append('\n');
            }
        }
        failure = sb.toString();
        event("  FAILED: " + what);
    }

    private void throwIfFailed() {
        if (failure != null) {
            throw failure(failure);
        }
    }

    private ConvergenceFailure failure(String what) {
        return new ConvergenceFailure(what + "\n(seed " + seed + ", at " + (time.now() - START_MILLIS) + " ms)\n"
                + traceText());
    }

    // ------------------------------------------------------------------------------ observing

    private String line(int step, String text) {
        long t = time.now() - START_MILLIS;
        StringBuilder sb = new StringBuilder(48 + text.length());
        String s = Integer.toString(step);
        for (int i = s.length(); i < 4; i++) {
            sb.append(' ');
        }
        sb.append(s).append(' ');
        String ms = Long.toString(t);
        for (int i = ms.length(); i < 7; i++) {
            sb.append(' ');
        }
        return sb.append(ms).append("ms  ").append(text).toString();
    }

    private void event(String text) {
        if (traceEvents) {
            trace.add(line(steps, text));
        }
    }

    /** The trace so far: a header, then one line per step (and per event with {@link Builder#traceEvents}). */
    public List<String> trace() {
        return List.copyOf(trace);
    }

    /** The trace as text, one line per entry. */
    public String traceText() {
        StringBuilder sb = new StringBuilder("trace:\n");
        for (String l : trace) {
            sb.append(l).append('\n');
        }
        return sb.toString();
    }

    /** Calls {@code observer} with every frame delivered from now on. */
    public void observeDeliveries(Consumer<Delivery> observer) {
        observers.add(Objects.requireNonNull(observer, "observer"));
    }

    /**
     * The frames in flight, in the order they were sent: the {@code pick} of a {@link Schedule.Deliver},
     * {@link Schedule.Duplicate} or {@link Schedule.Drop} is an index into this list (modulo its size).
     */
    public List<Delivery> inFlight() {
        List<Delivery> out = new ArrayList<>();
        network.forEachInFlight((from, to, frame) -> out.add(new Delivery(from, to, frame.length, frames.decode(frame))));
        return out;
    }

    /** Frames delivered so far. */
    public long framesDelivered() {
        return network.framesDelivered();
    }

    /** Frames handed to the network so far (delivered, lost, or in flight). */
    public long framesSent() {
        return network.framesSent();
    }

    /** Simulated milliseconds since the start. */
    public long now() {
        return time.now() - START_MILLIS;
    }

    /** Number of nodes. */
    public int nodes() {
        return nodes.size();
    }

    /** Node {@code i}'s current replicator (its latest incarnation, which may be down). */
    public Replicator replicator(int i) {
        return node(i).replicator;
    }

    /** Whether node {@code i} runs (up, or leaving). */
    public boolean running(int i) {
        return node(i).alive();
    }

    /** Node {@code i}'s incarnation: 1 at the first start, one more at each restart. */
    public long incarnation(int i) {
        return node(i).incarnation;
    }

    /** Node {@code i}'s disk. */
    public SimulatedDisk disk(int i) {
        return node(i).disk;
    }

    /** The state of {@code key} on node {@code i}, empty if it holds none. */
    public Optional<S> get(int i, String key) {
        return node(i).replicator.get(keys.computeIfAbsent(key, k -> Key.of(k, bottom, codec)));
    }

    /** Updates that were acknowledged (their future completed) so far. */
    public int acknowledgedWrites() {
        return acknowledged.size();
    }

    /** Whether node {@code observer}'s view holds {@code peer} up at its current incarnation. */
    public boolean sees(int observer, int peer) {
        MachineStats.PeerStats p = node(observer).replicator.stats().peers().get(node(peer).id);
        return p != null && p.up() && p.incarnation() == node(peer).incarnation;
    }
}
