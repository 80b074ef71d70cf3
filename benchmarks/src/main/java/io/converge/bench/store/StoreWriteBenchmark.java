package io.converge.bench.store;

import io.converge.crdt.store.DeltaLog;
import io.converge.crdt.store.FsyncPolicy;
import io.converge.crdt.store.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The local store's write rate under each fsync policy, and its recovery time, for our
 * append-only log ({@link DeltaLog}) against two embedded engines: H2's MVStore and LMDB (through
 * lmdbjava, as Pekko Distributed Data's durable store uses it).
 *
 * <p><b>{@code append}</b> (throughput, one thread): appends {@code 100}-byte records with
 * increasing sequence numbers. The three policies give every engine the same guarantee: each call
 * returns once the record has reached the operating system (so a process crash loses nothing),
 * and
 * <ul>
 *   <li>{@code ALWAYS}: it is also forced to disk before the call returns. Log: {@link
 *       FsyncPolicy#ALWAYS} ({@code fdatasync} per record). MVStore: {@code put}, {@code commit},
 *       {@code sync}. LMDB: one write transaction per record, default flags (its commit syncs).
 *   <li>{@code EVERY_10MS}: a background thread forces every 10 ms. Log: {@code everyMillis(10)}.
 *       MVStore: {@code put}, {@code commit}; a scheduled {@code sync()} every 10 ms. LMDB:
 *       {@code MDB_NOSYNC} and a scheduled {@code env.sync(true)} every 10 ms.
 *   <li>{@code NEVER}: nothing is forced. Log: {@link FsyncPolicy#NEVER}. MVStore: {@code put},
 *       {@code commit} (H2's default, a background commit every second, would lose up to a second
 *       on a process crash). LMDB: {@code MDB_NOSYNC}.
 * </ul>
 * {@code -p policy=BACKGROUND -p engine=mvstore} measures MVStore as H2 runs it by default:
 * {@code put} only, its own thread commits (without forcing) every second, so a process crash
 * loses up to a second of writes; the other engines refuse that policy.
 *
 * <p><b>{@code recover}</b> (single shot): a store of {@code entries} 100-byte records is
 * written once per trial (MVStore and LMDB commit every 10,000 records); each shot opens it, reads every record back in order and closes it:
 * for the log that is {@link DeltaLog#open} (which checks every record's CRC and cuts a torn
 * tail) plus a full {@link DeltaLog#replay}. The files stay in the page cache between shots
 * (a warm restart; a cold one adds the disk's read time for about 116 MB).
 *
 * <p>Files go to {@code converge.bench.dir} (default {@code java.io.tmpdir}): point it at the
 * disk being measured, never a tmpfs, with {@code -jvmArgsAppend -Dconverge.bench.dir=/path}.
 * The {@code ALWAYS} figures are the disk's flush latency and swing with other I/O on the
 * machine: compare engines within one run. Commands (from the repository root):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar StoreWriteBenchmark.append
 * java -jar benchmarks/target/benchmarks.jar StoreWriteBenchmark.append -p policy=ALWAYS -i 5 -r 4
 * java -jar benchmarks/target/benchmarks.jar StoreWriteBenchmark.recover
 * java -jar benchmarks/target/benchmarks.jar StoreWriteBenchmark.recover -wi 0 -i 1 -f 3   (fresh JVM each shot)
 * </pre>
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch",
    // lmdbjava's fast buffer proxy reads ByteBuffer internals
    "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"})
public class StoreWriteBenchmark {
    static final int RECORD_BYTES = 100;

    /** The three calls a benchmark needs, over each engine. */
    interface Store extends AutoCloseable {
        void append(long sequence, byte[] record);

        /** Writes sequences 1..n for a recovery fixture; engines batch their commits here. */
        default void load(int n, byte[] record) {
            for (long seq = 1; seq <= n; seq++) {
                append(seq, record);
            }
        }

        /** Reads every record in order; returns how many. */
        long readAll(Blackhole bh);

        @Override
        void close();
    }

    @State(Scope.Thread)
    public static class Writes {
        @Param({"log", "mvstore", "lmdb"})
        public String engine;

        @Param({"ALWAYS", "EVERY_10MS", "NEVER"})
        public String policy;

        Path dir;
        Store store;
        byte[] record;
        long sequence;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory(baseDir(), "store-bench-");
            store = open(engine, policy, dir);
            record = randomBytes(1, RECORD_BYTES);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            store.close();
            deleteRecursively(dir);
        }
    }

    @State(Scope.Benchmark)
    public static class Recovery {
        @Param({"log", "mvstore", "lmdb"})
        public String engine;

        @Param({"1000000"})
        public int entries;

        Path dir;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory(baseDir(), "store-recovery-");
            try (Store s = open(engine, "NEVER", dir)) {
                s.load(entries, randomBytes(2, RECORD_BYTES));
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            deleteRecursively(dir);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 1, time = 2)
    @Measurement(iterations = 3, time = 3)
    public void append(Writes w) {
        w.store.append(++w.sequence, w.record);
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public long recover(Recovery r, Blackhole bh) {
        try (Store s = open(r.engine, "NEVER", r.dir)) {
            long n = s.readAll(bh);
            if (n != r.entries) {
                throw new IllegalStateException(r.engine + " recovered " + n + " of " + r.entries + " records");
            }
            return n;
        }
    }

    // ------------------------------------------------------------------ engines

    static Store open(String engine, String policy, Path dir) {
        switch (engine) {
            case "log":
                return new LogStore(dir, policy);
            case "mvstore":
                return new MvStore(dir, policy);
            case "lmdb":
                return new LmdbStore(dir, policy);
            default:
                throw new IllegalArgumentException("engine " + engine);
        }
    }

    /** Our {@link DeltaLog}, with its default segment size. */
    static final class LogStore implements Store {
        private final DeltaLog log;

        LogStore(Path dir, String policy) {
            if (policy.equals("BACKGROUND")) {
                throw new IllegalArgumentException("BACKGROUND is an MVStore-only policy");
            }
            FsyncPolicy p = policy.equals("ALWAYS") ? FsyncPolicy.ALWAYS
                    : policy.equals("EVERY_10MS") ? FsyncPolicy.everyMillis(10) : FsyncPolicy.NEVER;
            log = DeltaLog.open(StoreConfig.builder(dir).fsyncPolicy(p).build());
        }

        @Override
        public void append(long sequence, byte[] record) {
            log.append(sequence, record);
        }

        @Override
        public long readAll(Blackhole bh) {
            return log.replay(-1, (seq, rec) -> bh.consume(rec));
        }

        @Override
        public void close() {
            log.close();
        }
    }

    /** H2 MVStore: one map from sequence to record, a commit per record (so a process crash loses nothing). */
    static final class MvStore implements Store {
        private final MVStore store;
        private final MVMap<Long, byte[]> map;
        private final boolean always;
        private final boolean background;
        private final ScheduledExecutorService syncer;

        MvStore(Path dir, String policy) {
            store = new MVStore.Builder().fileName(dir.resolve("store.mv").toString()).autoCommitDisabled().open();
            map = store.openMap("log");
            always = policy.equals("ALWAYS");
            background = policy.equals("BACKGROUND");
            if (background) {
                store.setAutoCommitDelay(1000); // H2's default: its own thread commits every second
            }
            syncer = policy.equals("EVERY_10MS") ? every10ms(store::sync) : null;
        }

        @Override
        public void append(long sequence, byte[] record) {
            map.put(sequence, record);
            if (!background) {
                store.commit();
            }
            if (always) {
                store.sync();
            }
        }

        @Override
        public void load(int n, byte[] record) {
            for (long seq = 1; seq <= n; seq++) {
                map.put(seq, record);
                if (seq % 10_000 == 0) {
                    store.commit();
                }
            }
            store.commit();
        }

        @Override
        public long readAll(Blackhole bh) {
            long n = 0;
            for (Cursor<Long, byte[]> c = map.cursor(null); c.hasNext();) {
                c.next();
                bh.consume(c.getValue());
                n++;
            }
            return n;
        }

        @Override
        public void close() {
            stop(syncer);
            store.close();
        }
    }

    /** LMDB through lmdbjava: one database keyed by the big-endian sequence, a write transaction per record. */
    static final class LmdbStore implements Store {
        private final Env<ByteBuffer> env;
        private final Dbi<ByteBuffer> dbi;
        private final ByteBuffer key = ByteBuffer.allocateDirect(Long.BYTES);
        private final ByteBuffer value = ByteBuffer.allocateDirect(4096);
        private final ScheduledExecutorService syncer;

        LmdbStore(Path dir, String policy) {
            if (policy.equals("BACKGROUND")) {
                throw new IllegalArgumentException("BACKGROUND is an MVStore-only policy");
            }
            EnvFlags[] flags = policy.equals("ALWAYS") ? new EnvFlags[0] : new EnvFlags[] {EnvFlags.MDB_NOSYNC};
            env = Env.create().setMapSize(16L << 30).setMaxDbs(1).open(dir.toFile(), flags);
            dbi = env.openDbi("log", DbiFlags.MDB_CREATE);
            syncer = policy.equals("EVERY_10MS") ? every10ms(() -> env.sync(true)) : null;
        }

        @Override
        public void append(long sequence, byte[] record) {
            key.clear();
            key.putLong(sequence).flip();
            value.clear();
            value.put(record).flip();
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                dbi.put(txn, key, value);
                txn.commit();
            }
        }

        @Override
        public void load(int n, byte[] record) {
            for (long seq = 1; seq <= n;) {
                try (Txn<ByteBuffer> txn = env.txnWrite()) {
                    for (int i = 0; i < 10_000 && seq <= n; i++, seq++) {
                        key.clear();
                        key.putLong(seq).flip();
                        value.clear();
                        value.put(record).flip();
                        dbi.put(txn, key, value);
                    }
                    txn.commit();
                }
            }
        }

        @Override
        public long readAll(Blackhole bh) {
            long n = 0;
            try (Txn<ByteBuffer> txn = env.txnRead(); org.lmdbjava.Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    byte[] out = new byte[c.val().remaining()];
                    c.val().get(out);
                    bh.consume(out);
                    n++;
                }
            }
            return n;
        }

        @Override
        public void close() {
            stop(syncer);
            env.sync(true);
            env.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    static ScheduledExecutorService every10ms(Runnable task) {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-sync");
            t.setDaemon(true);
            return t;
        });
        s.scheduleAtFixedRate(task, 10, 10, TimeUnit.MILLISECONDS);
        return s;
    }

    static void stop(ScheduledExecutorService s) {
        if (s == null) {
            return;
        }
        s.shutdown();
        try {
            if (!s.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("sync thread did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Path baseDir() {
        return Paths.get(System.getProperty("converge.bench.dir", System.getProperty("java.io.tmpdir")));
    }

    static byte[] randomBytes(long seed, int n) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
