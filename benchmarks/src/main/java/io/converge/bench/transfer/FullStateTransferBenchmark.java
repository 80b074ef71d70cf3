package io.converge.bench.transfer;

import io.converge.bench.fixture.Check;
import io.converge.bench.fixture.Elements;
import io.converge.bench.fixture.Jvm;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.protocol.Input;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.Output;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.protocol.SyncMachine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One complete full-state transfer between two {@link SyncMachine}s holding {@code keys} keys
 * that differ in {@value #DIFFERING}: offers of every key's digest, requests of the differing
 * keys, their states, the joins and the final acknowledgement. The machines are driven in memory
 * (no threads, sockets or codec: messages are handed over as objects), so the figure is the
 * engine's own cost of a transfer, as issue 19 asks it to be: proportional to the keys that
 * differ, plus a digest per key.
 *
 * <p><b>Fixture.</b> Key {@code i} is named {@link Elements#name} {@code (i)} and holds a small
 * state written by three writers: an {@link ORSet} of one element ({@code type=orset}) or a
 * {@link PNCounter} incremented once ({@code type=pncounter}). Both machines are restored with
 * these states (so no delta is buffered and the transfer is all they exchange); the receiver
 * holds {@value #DIFFERING} keys, spread over the store, one update newer. The sender starts the
 * transfer by seeing the receiver come up with a new incarnation; the receiver requests the
 * {@value #DIFFERING} keys whose digests differ, joins the states it gets, and acknowledges.
 * The receiver's own transfer to the sender (started once, at setup) is left undelivered, so
 * each invocation is exactly one transfer in one direction.
 *
 * <p>Because the receiver holds the newer states, its joins leave it unchanged, and the same two
 * machines serve every invocation without a per-invocation rebuild (which would cost more than
 * the transfer at 100,000 keys). A transfer whose joins change the receiver also records the
 * {@value #DIFFERING} changed keys (a buffer entry, a persist record and a change each): cost in
 * the differing keys, not the store.
 *
 * <p>Setup runs one transfer with every message encoded by the real {@link MessageCodec}, checks
 * that exactly the {@value #DIFFERING} differing keys were requested and sent, and prints
 * {@code BYTES: type=... keys=N offer=<frames>/<bytes> request=... states=... ack=...}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", Jvm.PRETOUCH})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class FullStateTransferBenchmark {
    static final int DIFFERING = 10;
    private static final ReplicaId SENDER = ReplicaId.of("sender");
    private static final ReplicaId RECEIVER = ReplicaId.of("receiver");
    private static final ReplicaId[] WRITERS = {ReplicaId.of("w0"), ReplicaId.of("w1"), ReplicaId.of("w2")};
    private static final long NOW = 1_000_000;

    @Param({"1000", "10000", "100000"})
    public int keys;

    @Param({"orset", "pncounter"})
    public String type;

    private SyncMachine sender;
    private SyncMachine receiver;
    private long incarnation = 1;

    @Setup(Level.Trial)
    public void setUp() {
        Map<String, ReplicatedData<?>> older = new HashMap<>();
        Map<String, ReplicatedData<?>> newer = new HashMap<>();
        Set<String> differing = new TreeSet<>();
        for (int i = 0; i < keys; i++) {
            String key = Elements.name(i);
            ReplicaId w = WRITERS[i % WRITERS.length];
            ReplicatedData<?> state = initial(w, i);
            older.put(key, state);
            // Spread over the store, so they land in different offer chunks.
            boolean differs = i % (keys / DIFFERING) == keys / DIFFERING / 2;
            newer.put(key, differs ? later(state, WRITERS[(i + 1) % WRITERS.length]) : state);
            if (differs) {
                differing.add(key);
            }
        }
        Check.equal(differing.size(), DIFFERING, "differing keys");
        SyncConfig config = SyncConfig.defaults();
        sender = new SyncMachine(SENDER, config, older, 0, ReplicatedData::digest);
        receiver = new SyncMachine(RECEIVER, config, newer, 0, ReplicatedData::digest);
        // The receiver's own transfer to the sender starts here and is never delivered.
        receiver.step(new Input.PeerUp(SENDER, 1), NOW);
        long digest = receiver.storeDigest();

        CrdtCodec<?> codec = type.equals("orset") ? CrdtCodecs.orSet(ValueCodec.string()) : CrdtCodecs.pnCounter();
        CodecRegistry registry = CodecRegistry.of(codec);
        for (String k : older.keySet()) {
            registry.bind(k, codec);
        }
        MessageCodec wire = new MessageCodec(registry, CodecLimits.defaults());
        Map<String, long[]> bytes = new TreeMap<>();
        Set<String> requested = new TreeSet<>();
        Set<String> sent = new TreeSet<>();
        run(m -> {
            long[] b = bytes.computeIfAbsent(m.getClass().getSimpleName(), k -> new long[2]);
            b[0]++;
            b[1] += wire.encodeToBytes(m).length;
            if (m instanceof Message.Request r) {
                requested.addAll(r.keys());
            } else if (m instanceof Message.States s) {
                sent.addAll(s.states().keySet());
            }
        });
        Check.that(requested.equals(differing), "only the differing keys are requested: " + requested);
        Check.that(sent.equals(differing), "only the differing keys' states are sent: " + sent);
        Check.that(receiver.storeDigest() == digest, "the receiver holds the newer states already");
        Check.that(!receiver.stats().peers().get(SENDER).receivingTransfer(), "the transfer completed");
        StringBuilder line = new StringBuilder("BYTES: type=" + type + " keys=" + keys);
        bytes.forEach((t, b) -> line.append(' ').append(t.toLowerCase()).append('=').append(b[0]).append('/')
                .append(b[1]));
        System.out.println(line);
    }

    private ReplicatedData<?> initial(ReplicaId w, int i) {
        if (type.equals("orset")) {
            ORSet<String> s = ORSet.empty();
            return s.join(s.add(w, "e" + i));
        }
        if (type.equals("pncounter")) {
            PNCounter c = PNCounter.empty();
            return c.join(c.increment(w, 1 + i % 7));
        }
        throw new IllegalArgumentException("type must be orset or pncounter, got " + type);
    }

    @SuppressWarnings("unchecked")
    private static ReplicatedData<?> later(ReplicatedData<?> state, ReplicaId w) {
        if (state instanceof ORSet<?> s) {
            ORSet<String> set = (ORSet<String>) s;
            return set.join(set.add(w, "later"));
        }
        PNCounter c = (PNCounter) state;
        return c.join(c.increment(w, 1));
    }

    /**
     * One transfer from the sender to the receiver, each message handed to {@code seen} as it
     * is delivered; returns the number of messages.
     */
    private int run(Consumer<Message> seen) {
        List<Message> toReceiver = new ArrayList<>();
        List<Message> toSender = new ArrayList<>();
        // A new incarnation: the sender cannot know what the receiver kept, so it offers everything.
        add(toReceiver, sender.step(new Input.PeerUp(RECEIVER, ++incarnation), NOW));
        int messages = 0;
        while (!toReceiver.isEmpty() || !toSender.isEmpty()) {
            List<Message> batch = new ArrayList<>(toReceiver);
            toReceiver.clear();
            for (Message m : batch) {
                seen.accept(m);
                add(toSender, receiver.step(new Input.Received(SENDER, m), NOW));
            }
            messages += batch.size();
            batch = new ArrayList<>(toSender);
            toSender.clear();
            for (Message m : batch) {
                seen.accept(m);
                add(toReceiver, sender.step(new Input.Received(RECEIVER, m), NOW));
            }
            messages += batch.size();
        }
        return messages;
    }

    private static void add(List<Message> to, Output out) {
        for (Output.Send s : out.sends()) {
            to.add(s.message());
        }
    }

    @Benchmark
    public int transfer() {
        return run(m -> {
        });
    }
}
