package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.Output;
import io.converge.crdt.engine.spi.RecordStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a replicator's records durable in a {@link RecordStore}, on the scheduler's blocking
 * executor (by default the store thread {@code converge-store-<replica>}), never the sync loop.
 * Each record is one {@link Message.Deltas} frame of the {@link MessageCodec} holding the key, its
 * delta and its expiry; a snapshot is a sequence of length-prefixed {@link Message.States} frames
 * of every key. Snapshots are taken from the read view when the store says one is due, while
 * updates go on: a CRDT snapshot may be fuzzy, because replaying a record it already contains
 * changes nothing.
 *
 * <p><b>The dot floor.</b> A snapshot keeps no expired key, and truncates the records that held
 * it, so the counters this replica minted for it would be forgotten and minted again (crdt.md §2:
 * a dot is minted once). So every snapshot chunk carries the machine's
 * {@linkplain io.converge.crdt.protocol.SyncMachine#dotFloor() dot floor} in its {@code seq}
 * (unused in a snapshot; 0 in snapshots written before), and a snapshot of no key still writes one
 * empty chunk for it. Recovery restores the highest floor read; the machine raises it further from
 * the restored states, expired ones included. The view publishes the floor before it drops the
 * keys that raised it, and a snapshot reads the floor after the keys, so a key it misses because
 * it expired is in the floor it reads.
 *
 * <p><b>Local limits.</b> Records and snapshots are encoded and decoded with {@link #localLimits},
 * not with the network's {@link CodecLimits}: the local files are not a hostile peer (their
 * integrity is the record and snapshot CRCs' job), and a limit meant for untrusted input must never
 * lock a user out of their own data. Whatever the store accepted therefore reopens, at any size
 * and under any {@code codecLimits}, raised or default: a frame is bounded only by the record
 * format, collections and strings not at all, and nesting only for the stack's sake.
 */
final class StorePersistence implements Persistence, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StorePersistence.class);
    /** Keys per snapshot chunk at first; fewer once chunks turn out large. */
    private static final int SNAPSHOT_CHUNK = 500;
    /** The size a snapshot chunk aims at: big stores are written as many frames, not one giant one. */
    static final int SNAPSHOT_CHUNK_BYTES = 1 << 20;
    /**
     * The deepest nesting of values read back from the store (or the configured one, if deeper):
     * far above what the network accepts by default, still shallow enough for the decoder's
     * recursion on any thread's stack.
     */
    static final int LOCAL_MAX_DEPTH = 256;

    private final RecordStore store;
    private final MessageCodec codec;
    private final Executor blocking;
    private volatile ReadView view;
    private long lastAppended = -1;

    /**
     * Persistence into {@code store}, encoding with {@code registry}'s codecs under the local
     * limits derived from {@code network} (the replicator's configured limits).
     */
    StorePersistence(RecordStore store, CodecRegistry registry, CodecLimits network, Executor io) {
        this(store, new MessageCodec(registry, localLimits(network)), io);
    }

    StorePersistence(RecordStore store, MessageCodec codec, Executor io) {
        this.store = store;
        this.codec = codec;
        this.blocking = io;
    }

    /**
     * The limits local files are written and read with: no bound on frame size (the record format
     * bounds it), on collections, strings or replica ids, and a nesting depth of
     * {@link #LOCAL_MAX_DEPTH} or {@code network}'s, if deeper.
     */
    static CodecLimits localLimits(CodecLimits network) {
        return CodecLimits.builder()
                .maxFrameBytes(Integer.MAX_VALUE)
                .maxElements(Integer.MAX_VALUE)
                .maxStringBytes(Integer.MAX_VALUE)
                .maxReplicaIdsPerMessage(Integer.MAX_VALUE)
                .maxDepth(Math.max(LOCAL_MAX_DEPTH, network.maxDepth()))
                .build();
    }

    /** The view whose keys snapshots read (set once it exists). */
    void attach(ReadView v) {
        this.view = v;
    }

    /** What recovery found: the states, their expiries, and the next sequence. */
    record Recovered(Map<String, ReplicatedData<?>> states, Map<String, Long> expiries, long nextSequence,
            long dotFloor) {
    }

    /** Reads the snapshot and replays the log after it, on the calling thread. */
    Recovered recover() {
        Map<String, ReplicatedData<?>> states = new HashMap<>();
        Map<String, Long> expiries = new HashMap<>();
        long[] floor = {0};
        long last = store.recover((covers, snapshot) -> floor[0] = Math.max(floor[0],
                readSnapshot(snapshot, states, expiries)), (seq, record) -> {
            Message m = codec.decode(record);
            if (!(m instanceof Message.Deltas d)) {
                throw new IllegalStateException("log record " + seq + " is a " + m.getClass().getSimpleName());
            }
            apply(d.deltas(), d.expiries(), states, expiries);
        });
        lastAppended = last;
        return new Recovered(states, expiries, last + 1, floor[0]);
    }

    /** Joins the snapshot's states into {@code states}; returns the dot floor it carries. */
    private long readSnapshot(byte[] snapshot, Map<String, ReplicatedData<?>> states, Map<String, Long> expiries) {
        long floor = 0;
        ByteBuf buf = Unpooled.wrappedBuffer(snapshot);
        while (buf.isReadable()) {
            int len = buf.readInt();
            Message m = codec.decode(buf.readSlice(len));
            if (!(m instanceof Message.States s)) {
                throw new IllegalStateException("snapshot chunk is a " + m.getClass().getSimpleName());
            }
            apply(s.states(), s.expiries(), states, expiries);
            floor = Math.max(floor, s.seq());
        }
        return floor;
    }

    private static void apply(Map<String, ReplicatedData<?>> values, Map<String, Long> exp,
            Map<String, ReplicatedData<?>> states, Map<String, Long> expiries) {
        values.forEach((k, v) -> states.merge(k, v,
                (a, b) -> (ReplicatedData<?>) io.converge.crdt.internal.Representation.access().join(a, b)));
        exp.forEach((k, e) -> expiries.merge(k, e, Math::max));
    }

    @Override
    public CompletableFuture<Void> persist(List<Output.Persist> records) {
        return CompletableFuture.runAsync(() -> {
            long[] sequences = new long[records.size()];
            byte[][] bytes = new byte[records.size()][];
            for (int i = 0; i < sequences.length; i++) {
                Output.Persist p = records.get(i);
                Map<String, Long> exp = p.expiresAt() > 0 ? Map.of(p.key(), p.expiresAt()) : Map.of();
                sequences[i] = p.sequence();
                bytes[i] = codec.encodeToBytes(new Message.Deltas(p.sequence(), p.sequence() + 1,
                        Map.of(p.key(), p.delta()), exp));
            }
            // The view holds every step before this one: the driver publishes a step's states only
            // after handing its records here, so this batch may not be in the view yet.
            long inView = lastAppended;
            // One batch: under fsync ALWAYS a step's records share one force.
            store.appendAll(sequences, bytes);
            if (sequences.length > 0) {
                lastAppended = sequences[sequences.length - 1];
            }
            if (store.snapshotDue()) {
                snapshot(inView);
            }
        }, blocking);
    }

    /**
     * Writes a snapshot of the view that covers the records up to {@code covers}: those of every
     * earlier step, which the view is known to hold. (It may hold later ones too: a fuzzy snapshot
     * is fine, replaying a record it already contains changes nothing. Claiming to cover records
     * the view does not hold yet would lose them once the log is truncated behind the snapshot.)
     * Runs on the blocking executor.
     */
    private void snapshot(long covers) {
        ReadView v = view;
        if (v == null || covers < 0) {
            return;
        }
        ByteBuf out = Unpooled.buffer();
        try {
            Map<String, ReplicatedData<?>> chunk = new HashMap<>();
            Map<String, Long> exp = new HashMap<>();
            int perChunk = SNAPSHOT_CHUNK;
            for (String k : v.keys()) {
                v.get(k).ifPresent(s -> chunk.put(k, s));
                v.expiry(k).ifPresent(e -> exp.put(k, e));
                if (chunk.size() >= perChunk) {
                    int bytes = writeChunk(out, chunk, exp, v.dotFloor());
                    // Aim the next chunks at SNAPSHOT_CHUNK_BYTES: large values get chunks of their own.
                    if (bytes > SNAPSHOT_CHUNK_BYTES) {
                        perChunk = (int) Math.max(1, (long) chunk.size() * SNAPSHOT_CHUNK_BYTES / bytes);
                    } else if (perChunk < SNAPSHOT_CHUNK && bytes < SNAPSHOT_CHUNK_BYTES / 2) {
                        perChunk = Math.min(SNAPSHOT_CHUNK, perChunk * 2);
                    }
                    chunk.clear();
                    exp.clear();
                }
            }
            // Read after the keys: a key missed because it expired meanwhile raised this floor.
            long floor = v.dotFloor();
            if (!chunk.isEmpty() || floor > 0) {
                writeChunk(out, chunk, exp, floor);
            }
            store.snapshot(covers, ByteBufUtil.getBytes(out));
            LOG.debug("snapshot at {}: {} bytes", covers, out.readableBytes());
        } finally {
            out.release();
        }
    }

    /** Appends one length-prefixed chunk; returns its frame's size. */
    private int writeChunk(ByteBuf out, Map<String, ReplicatedData<?>> chunk, Map<String, Long> exp, long floor) {
        int at = out.writerIndex();
        out.writeInt(0);
        codec.encode(new Message.States(0, true, chunk, exp, 0, floor), out);
        int bytes = out.writerIndex() - at - 4;
        out.setInt(at, bytes);
        return bytes;
    }

    /** Closes the store; call once the blocking executor ran what was queued on it. */
    @Override
    public void close() {
        store.close();
    }
}
