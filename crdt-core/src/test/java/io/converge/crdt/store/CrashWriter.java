package io.converge.crdt.store;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.SplittableRandom;

/**
 * The child process of {@link DeltaLogCrashTest}: appends under {@link FsyncPolicy#ALWAYS}
 * forever and prints each acknowledgement to stdout (flushed), until the parent kills it with
 * SIGKILL. Everything it writes is a function of the sequence, so the parent can check it.
 *
 * <pre>
 * args: log &lt;dir&gt;       DeltaLog; prints "ready &lt;last&gt;" then "A &lt;seq&gt;" per append
 *       snapshot &lt;dir&gt;  LocalStore; also "S+ &lt;seq&gt;" before and "S &lt;seq&gt;" after each snapshot
 * </pre>
 */
public final class CrashWriter {
    static final int SNAPSHOT_EVERY = 100;
    static final int SNAPSHOT_BYTES = 8 << 20;
    static final int MAX_RECORD = 150;

    private CrashWriter() {
    }

    static StoreConfig logConfig(Path dir) {
        return StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytes(64 * 1024).build();
    }

    static StoreConfig snapshotConfig(Path dir) {
        return StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytes(4096).build();
    }

    /** The record for {@code seq}: 0..150 bytes derived from it. */
    static byte[] record(long seq) {
        return StoreFiles.payload(seq, MAX_RECORD);
    }

    /** The snapshot state covering {@code seq}: 8 MiB derived from it. */
    static byte[] state(long seq) {
        ByteBuffer b = ByteBuffer.allocate(SNAPSHOT_BYTES);
        SplittableRandom r = new SplittableRandom(seq);
        while (b.hasRemaining()) {
            b.putLong(r.nextLong());
        }
        return b.array();
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        Path dir = Paths.get(args[1]);
        if (args[0].equals("log")) {
            try (DeltaLog log = DeltaLog.open(logConfig(dir))) {
                long seq = log.lastSequence();
                out.println("ready " + seq);
                out.flush();
                while (true) {
                    seq++;
                    log.append(seq, record(seq));
                    out.println("A " + seq);
                    out.flush();
                }
            }
        } else if (args[0].equals("snapshot")) {
            try (LocalStore store = LocalStore.open(snapshotConfig(dir))) {
                long seq = store.recover(s -> { }, (s, r) -> { });
                out.println("ready " + seq);
                out.flush();
                while (true) {
                    seq++;
                    store.append(seq, record(seq));
                    out.println("A " + seq);
                    out.flush();
                    if (seq % SNAPSHOT_EVERY == 0 && seq > 0) {
                        byte[] state = state(seq);
                        out.println("S+ " + seq);
                        out.flush();
                        store.snapshot(seq, state);
                        out.println("S " + seq);
                        out.flush();
                    }
                }
            }
        } else {
            throw new IllegalArgumentException("mode: " + args[0]);
        }
    }
}
