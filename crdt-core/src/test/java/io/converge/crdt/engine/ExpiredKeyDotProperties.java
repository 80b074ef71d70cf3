package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.CausalCrdt;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.protocol.Input;
import io.converge.crdt.protocol.Output;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.protocol.SyncMachine;
import io.converge.crdt.protocol.ValueSizer;
import io.converge.crdt.store.FsyncPolicy;
import io.converge.crdt.testing.SimulatedDisk;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A replica never mints a dot twice (crdt.md §2), whatever history of writes, expiries, snapshots
 * and restarts it goes through. One replica runs the real machine, read view and store persistence
 * (on a {@link SimulatedDisk} that snapshots often and truncates the records behind, on the calling
 * thread) as the driver wires them; the dots it mints for each key are read from the deltas of its
 * own changes.
 * Counter writes make snapshots whose states hold no dot, so only the persisted floor remembers.
 */
class ExpiredKeyDotProperties {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final long TTL = 100;
    private static final List<String> SETS = List.of("s1", "s2");

    sealed interface Op {
    }

    record Add(String key, String element) implements Op {
    }

    record Remove(String key, String element) implements Op {
    }

    record Hit() implements Op {
    }

    record Advance(long millis) implements Op {
    }

    record Restart() implements Op {
    }

    @Provide
    Arbitrary<List<Op>> histories() {
        Arbitrary<String> keys = Arbitraries.of(SETS);
        Arbitrary<String> elements = Arbitraries.of("x", "y", "z");
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, net.jqwik.api.Combinators.combine(keys, elements).as(Add::new)),
                net.jqwik.api.Tuple.of(2, net.jqwik.api.Combinators.combine(keys, elements).as(Remove::new)),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(new Hit())),
                net.jqwik.api.Tuple.of(3, Arbitraries.longs().between(1, 2 * TTL).map(Advance::new)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new Restart())));
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 300)
    void noDotIsMintedTwiceAcrossExpiriesSnapshotsAndRestarts(@ForAll("histories") List<Op> history,
            @ForAll("snapshotEvery") int snapshotEvery) {
        Node node = new Node(new SimulatedDisk(FsyncPolicy.ALWAYS, snapshotEvery));
        for (Op op : history) {
            if (op instanceof Add add) {
                node.update(add.key(), s -> s.add(A, add.element()), TTL);
            } else if (op instanceof Remove remove) {
                node.update(remove.key(), s -> s.remove(remove.element()), TTL);
            } else if (op instanceof Hit) {
                node.hit();
            } else if (op instanceof Advance advance) {
                node.now += advance.millis();
                node.step(new Input.Tick());
            } else {
                node.restart();
            }
        }
    }

    @net.jqwik.api.Example
    void aSnapshotRightAfterARestartKeepsTheRestoredFloor() {
        noDotIsMintedTwiceAcrossExpiriesSnapshotsAndRestarts(List.of(new Add("s1", "x"), new Advance(2 * TTL),
                new Hit(), new Restart(), new Hit(), new Restart(), new Add("s1", "y")), 1);
    }

    @Provide
    Arbitrary<Integer> snapshotEvery() {
        return Arbitraries.integers().between(1, 4);
    }

    /** One replica wired as the driver wires it, minus threads and network. */
    private static final class Node {
        private final SimulatedDisk disk;
        private final CodecRegistry codecs = CodecRegistry.of(CrdtCodecs.orSet(ValueCodec.string()),
                CrdtCodecs.pnCounter());
        /** (key, counter) of every dot minted: a dot names one event of one key's state. */
        private final Set<String> minted = new HashSet<>();
        long now = 1_700_000_000_000L;
        private SyncMachine machine;
        private ReadView view;
        private StorePersistence persistence;

        Node(SimulatedDisk disk) {
            this.disk = disk;
            for (String k : SETS) {
                codecs.bind(k, CrdtCodecs.orSet(ValueCodec.string()));
            }
            codecs.bind("hits", CrdtCodecs.pnCounter());
            start();
        }

        private void start() {
            persistence = new StorePersistence(disk, codecs, CodecLimits.defaults(), Runnable::run);
            StorePersistence.Recovered rec = persistence.recover();
            machine = new SyncMachine(A, SyncConfig.defaults(), rec.states(), rec.expiries(), rec.nextSequence(),
                    rec.dotFloor(), ReplicatedData::digest, ValueSizer.ESTIMATE);
            view = new ReadView(rec.states(), rec.expiries(), machine.dotFloor(),
                    new SyncStats(machine.stats(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
            persistence.attach(view);
        }

        void restart() {
            persistence.close();
            start();
        }

        @SuppressWarnings("unchecked")
        void update(String key, UnaryOperator<ORSet<String>> op, long ttl) {
            step(new Input.LocalUpdate(key, ORSet.<String>empty(), s -> op.apply((ORSet<String>) s), ttl));
        }

        void hit() {
            step(new Input.LocalUpdate("hits", PNCounter.empty(), c -> ((PNCounter) c).increment(A, 1), 0));
        }

        void step(Input in) {
            Output out = machine.step(in, now);
            persistence.persist(out.persists()).join(); // the driver's order: records first, then the view
            view.apply(out, machine.dotFloor());
            for (Output.Change c : out.changes()) {
                if (c.from().isEmpty() && c.delta() instanceof CausalCrdt<?> d
                        && !c.before().map(b -> b.equals(c.after())).orElse(false)) {
                    for (long counter : ownDots(d.storeDots())) {
                        assertTrue(minted.add(c.key() + "/" + counter),
                                "dot (a," + counter + ") of '" + c.key() + "' minted twice");
                    }
                }
            }
        }

        private static List<Long> ownDots(CausalContext dots) {
            List<Long> own = new java.util.ArrayList<>();
            for (long n = 1; n <= dots.versionVector().get(A); n++) {
                own.add(n);
            }
            for (Dot d : dots.cloud()) {
                if (d.replica().equals(A)) {
                    own.add(d.counter());
                }
            }
            return own;
        }
    }
}
