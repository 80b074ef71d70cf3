package io.converge.crdt.testing;

import io.converge.crdt.engine.spi.RecordStore;
import io.converge.crdt.store.FsyncPolicy;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * A replica's disk in memory, for simulations and crash tests: a {@link RecordStore} that keeps
 * its log and snapshots as bytes framed like the real log (length, CRC32C, sequence, payload;
 * see {@code io.converge.crdt.store.LogFormat}) and loses on a {@link #crash} exactly what its
 * fsync policy allows, torn last record included. {@link #recover} checks every CRC and stops at
 * the first record that does not verify, so a torn tail is dropped, never decoded.
 *
 * <h2>What a crash keeps</h2>
 * Bytes are <em>written</em> by {@link #appendAll} and <em>durable</em> once synced: under
 * {@link FsyncPolicy#ALWAYS} before {@code appendAll} returns; under the other policies only on
 * {@link #sync()} (which the simulator calls every {@link FsyncPolicy#intervalMillis()} for
 * {@code everyMillis}) and on a snapshot. A crash keeps the durable bytes plus a chosen prefix of
 * the rest (the kernel may have written some of it back), which may end inside a record. A crash
 * that strikes while {@code appendAll} writes ({@link #crashDuringNextWrite}) keeps a prefix of
 * that batch: under {@code ALWAYS} this is the only way to lose records, and it loses only
 * records whose {@code appendAll} never returned, so nothing acknowledged. Under the other
 * policies a crash can lose acknowledged records, and a replica restarted on such a disk may
 * reissue dots it had already sent (crdt.md §2): simulations that crash nodes use {@code ALWAYS}.
 *
 * <h2>Snapshots</h2>
 * A snapshot syncs the log, is written with its own CRC and replaces the previous one only once
 * it is complete; then the records it covers are dropped. A snapshot torn by a crash fails its
 * CRC and recovery falls back to the previous one and the records kept after it.
 *
 * <p>Survives its replicator: {@link #close()} (the replicator closing its store) and a crash
 * leave the bytes, and the next {@code recover} reopens it. Not thread-safe: the engine calls a
 * record store from one thread at a time, and a simulation runs on one thread.
 */
public final class SimulatedDisk implements RecordStore {
    private static final int RECORD_HEADER = 16;
    private static final int SNAPSHOT_HEADER = 16;

    private final FsyncPolicy policy;
    private final int snapshotEvery;
    private byte[] log = new byte[256];
    /** Bytes written to the log. */
    private int written;
    /** Bytes of the log that are on stable storage. */
    private int durable;
    /** The latest complete snapshot: covers · CRC · length · state; null if none. */
    private byte[] snapshot;
    /** A snapshot a crash cut short while it was written; recovery must reject it. */
    private byte[] newerSnapshot;
    private int recordsSinceSnapshot;
    private long lastSequence = -1;
    private boolean open = true;
    private boolean crashed;
    /** Percent of the next write's bytes that reach the disk before an armed crash; -1 if none. */
    private int armedPercent = -1;
    private boolean armedForSnapshot;
    private int tornRecordsDropped;
    private int recordsRecovered;
    private long appends;

    /**
     * A disk syncing per {@code policy} that asks for a snapshot after every
     * {@code snapshotEvery} records.
     *
     * @throws IllegalArgumentException if {@code snapshotEvery} is below 1
     */
    public SimulatedDisk(FsyncPolicy policy, int snapshotEvery) {
        this.policy = Objects.requireNonNull(policy, "policy");
        if (snapshotEvery < 1) {
            throw new IllegalArgumentException("snapshotEvery must be at least 1, got " + snapshotEvery);
        }
        this.snapshotEvery = snapshotEvery;
    }

    /** The fsync policy. */
    public FsyncPolicy policy() {
        return policy;
    }

    @Override
    public long recover(SnapshotConsumer snapshots, RecordConsumer records) {
        open = true;
        crashed = false;
        armedPercent = -1;
        armedForSnapshot = false;
        // The newest snapshot that verifies: one cut short by a crash fails, the one before stays.
        if (newerSnapshot != null && verifies(newerSnapshot)) {
            snapshot = newerSnapshot;
        }
        newerSnapshot = null;
        long covers = -1;
        if (snapshot != null) {
            if (!verifies(snapshot)) {
                throw new IllegalStateException("the complete snapshot does not verify: a bug of the disk");
            }
            ByteBuffer b = ByteBuffer.wrap(snapshot);
            covers = b.getLong();
            byte[] state = Arrays.copyOfRange(snapshot, SNAPSHOT_HEADER, snapshot.length);
            snapshots.accept(covers, state);
        }
        // Records after the snapshot, up to the first one that does not verify: a torn or
        // half-written tail is cut off here, as the real log truncates it.
        int at = 0;
        long last = covers;
        long previous = -1;
        tornRecordsDropped = 0;
        recordsRecovered = 0;
        while (at < written) {
            int end = validRecordEnd(at, previous);
            if (end < 0) {
                tornRecordsDropped = 1;
                break;
            }
            long seq = ByteBuffer.wrap(log, at + 8, 8).getLong();
            previous = seq;
            if (seq > covers) {
                records.accept(seq, Arrays.copyOfRange(log, at + RECORD_HEADER, end));
                recordsRecovered++;
                last = seq;
            }
            at = end;
        }
        written = at;
        durable = at;
        lastSequence = Math.max(last, previous);
        return last;
    }

    /** The end of the record at {@code at} if it is whole, its CRC matches and its sequence grows; else -1. */
    private int validRecordEnd(int at, long previous) {
        if (written - at < RECORD_HEADER) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(log, at, RECORD_HEADER);
        int length = b.getInt();
        int crc = b.getInt();
        long seq = b.getLong();
        if (length < 0 || length > written - at - RECORD_HEADER || seq <= previous) {
            return -1;
        }
        if (crc(log, at + 8, 8 + length) != crc) {
            return -1;
        }
        return at + RECORD_HEADER + length;
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(bytes, offset, length);
        return (int) c.getValue();
    }

    @Override
    public void appendAll(long[] sequences, byte[][] records) {
        if (sequences.length != records.length) {
            throw new IllegalArgumentException("as many sequences as records required");
        }
        if (crashed) {
            return; // the process is gone: nothing it writes reaches the disk
        }
        if (!open) {
            throw new IllegalStateException("the disk is closed");
        }
        int before = written;
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i] <= lastSequence) {
                throw new IllegalArgumentException("sequence " + sequences[i] + " after " + lastSequence);
            }
            lastSequence = sequences[i];
            byte[] r = records[i];
            ensure(written + RECORD_HEADER + r.length);
            ByteBuffer b = ByteBuffer.wrap(log, written, RECORD_HEADER);
            b.putInt(r.length);
            b.putInt(0);
            b.putLong(sequences[i]);
            System.arraycopy(r, 0, log, written + RECORD_HEADER, r.length);
            ByteBuffer.wrap(log, written + 4, 4).putInt(crc(log, written + 8, 8 + r.length));
            written += RECORD_HEADER + r.length;
        }
        appends++;
        recordsSinceSnapshot += sequences.length;
        if (armedPercent >= 0 && armedPercent < 100) {
            // The crash struck inside this write: only a prefix of its bytes reached the disk.
            written = before + (int) ((long) (written - before) * armedPercent / 100);
            durable = Math.min(durable, written);
            stop(written);
            return;
        }
        if (armedPercent == 100) {
            armedPercent = -1;
            armedForSnapshot = true; // the batch made it; the crash strikes at the next write
        }
        if (policy.mode() == FsyncPolicy.Mode.ALWAYS) {
            durable = written;
        }
    }

    private void ensure(int capacity) {
        if (capacity > log.length) {
            log = Arrays.copyOf(log, Math.max(capacity, log.length * 2));
        }
    }

    /** Forces what was written to stable storage (the simulator's flusher for {@code everyMillis}). */
    public void sync() {
        if (!crashed) {
            durable = written;
        }
    }

    @Override
    public boolean snapshotDue() {
        return !crashed && open && recordsSinceSnapshot >= snapshotEvery;
    }

    @Override
    public void snapshot(long covers, byte[] state) {
        if (crashed) {
            return;
        }
        if (!open) {
            throw new IllegalStateException("the disk is closed");
        }
        byte[] s = new byte[SNAPSHOT_HEADER + state.length];
        ByteBuffer b = ByteBuffer.wrap(s);
        b.putLong(covers);
        b.putInt(0);
        b.putInt(state.length);
        System.arraycopy(state, 0, s, SNAPSHOT_HEADER, state.length);
        ByteBuffer.wrap(s, 8, 4).putInt(snapshotCrc(s));
        if (armedForSnapshot) {
            // Cut short: recovery finds it fails its check and keeps the previous one.
            newerSnapshot = Arrays.copyOf(s, s.length / 2);
            stop(durable);
            return;
        }
        durable = written; // the log is synced before the snapshot replaces what it covers
        snapshot = s;
        recordsSinceSnapshot = 0;
        dropCovered(covers);
    }

    private static boolean verifies(byte[] s) {
        if (s.length < SNAPSHOT_HEADER) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(s);
        b.getLong();
        int crc = b.getInt();
        int length = b.getInt();
        return length == s.length - SNAPSHOT_HEADER && crc == snapshotCrc(s);
    }

    private static int snapshotCrc(byte[] s) {
        CRC32C c = new CRC32C();
        c.update(s, 0, 8);
        c.update(s, 12, s.length - 12);
        return (int) c.getValue();
    }

    /** Drops the log records the snapshot covers, keeping the rest in order. */
    private void dropCovered(long covers) {
        int at = 0;
        while (at < written) {
            int length = ByteBuffer.wrap(log, at, 4).getInt();
            long seq = ByteBuffer.wrap(log, at + 8, 8).getLong();
            if (seq > covers) {
                break;
            }
            at += RECORD_HEADER + length;
        }
        System.arraycopy(log, at, log, 0, written - at);
        written -= at;
        durable = written;
    }

    /**
     * The process (or the machine) dies now: keeps what is durable plus {@code keepPercent}
     * percent of the bytes written since the last sync (so possibly a torn last record), and
     * ignores every later write until the next {@link #recover}.
     *
     * @throws IllegalArgumentException if {@code keepPercent} is outside 0..100
     */
    public void crash(int keepPercent) {
        if (keepPercent < 0 || keepPercent > 100) {
            throw new IllegalArgumentException("keepPercent must be 0..100, got " + keepPercent);
        }
        if (crashed) {
            return;
        }
        stop(durable + (int) ((long) (written - durable) * keepPercent / 100));
    }

    /** Stops the disk with {@code keep} bytes of the log surviving. */
    private void stop(int keep) {
        written = keep;
        durable = Math.min(durable, keep);
        crashed = true;
        armedPercent = -1;
        armedForSnapshot = false;
    }

    /**
     * Arms a crash that strikes during the next write: if it is an {@code appendAll}, only
     * {@code percent} percent of its bytes reach the disk (below 100, the batch is cut, maybe
     * inside a record); at 100 the batch is written whole and the crash strikes during the next
     * snapshot write instead, leaving it torn. The caller stops the node right after that write.
     *
     * @throws IllegalArgumentException if {@code percent} is outside 0..100
     */
    public void crashDuringNextWrite(int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be 0..100, got " + percent);
        }
        armedPercent = percent;
    }

    /** Whether a crash stopped this disk (until the next {@link #recover}). */
    public boolean crashed() {
        return crashed;
    }

    /** Bytes of the log currently on stable storage. */
    public int durableBytes() {
        return durable;
    }

    /** Bytes of the log written, durable or not. */
    public int writtenBytes() {
        return written;
    }

    /** Whether the last {@link #recover} dropped a torn or corrupt record at the tail. */
    public boolean droppedTornRecord() {
        return tornRecordsDropped > 0;
    }

    /** Records the last {@link #recover} replayed after the snapshot. */
    public int recordsRecovered() {
        return recordsRecovered;
    }

    /** Whether the disk holds a complete snapshot. */
    public boolean hasSnapshot() {
        return snapshot != null;
    }

    /** Calls of {@link #appendAll} that wrote something. */
    public long appends() {
        return appends;
    }

    /** Flips one byte of the log at {@code offset}: a corrupt sector for recovery to reject. */
    public void corrupt(int offset) {
        if (offset < 0 || offset >= written) {
            throw new IllegalArgumentException("offset " + offset + " outside the " + written + " bytes written");
        }
        log[offset] ^= 0x5A;
    }

    @Override
    public void close() {
        open = false;
    }

    @Override
    public String toString() {
        return "SimulatedDisk[" + policy + ", " + durable + "/" + written + " bytes durable"
                + (snapshot != null ? ", snapshot" : "") + (crashed ? ", crashed" : "") + "]";
    }
}
