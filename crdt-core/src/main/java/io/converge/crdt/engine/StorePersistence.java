package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;
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
 */
final class StorePersistence implements Persistence, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StorePersistence.class);
    private static final int SNAPSHOT_CHUNK = 500;

    private final RecordStore store;
    private final MessageCodec codec;
    private final Executor blocking;
    private volatile ReadView view;
    private long lastAppended = -1;

    StorePersistence(RecordStore store, MessageCodec codec, Executor io) {
        this.store = store;
        this.codec = codec;
        this.blocking = io;
    }

    /** The view whose keys snapshots read (set once it exists). */
    void attach(ReadView v) {
        this.view = v;
    }

    /** What recovery found: the states, their expiries, and the next sequence. */
    record Recovered(Map<String, ReplicatedData<?>> states, Map<String, Long> expiries, long nextSequence) {
    }

    /** Reads the snapshot and replays the log after it, on the calling thread. */
    Recovered recover() {
        Map<String, ReplicatedData<?>> states = new HashMap<>();
        Map<String, Long> expiries = new HashMap<>();
        long last = store.recover((covers, snapshot) -> readSnapshot(snapshot, states, expiries), (seq, record) -> {
            Message m = codec.decode(record);
            if (!(m instanceof Message.Deltas d)) {
                throw new IllegalStateException("log record " + seq + " is a " + m.getClass().getSimpleName());
            }
            apply(d.deltas(), d.expiries(), states, expiries);
        });
        lastAppended = last;
        return new Recovered(states, expiries, last + 1);
    }

    private void readSnapshot(byte[] snapshot, Map<String, ReplicatedData<?>> states, Map<String, Long> expiries) {
        ByteBuf buf = Unpooled.wrappedBuffer(snapshot);
        while (buf.isReadable()) {
            int len = buf.readInt();
            Message m = codec.decode(buf.readSlice(len));
            if (!(m instanceof Message.States s)) {
                throw new IllegalStateException("snapshot chunk is a " + m.getClass().getSimpleName());
            }
            apply(s.states(), s.expiries(), states, expiries);
        }
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
            // One batch: under fsync ALWAYS a step's records share one force.
            store.appendAll(sequences, bytes);
            if (sequences.length > 0) {
                lastAppended = sequences[sequences.length - 1];
            }
            if (store.snapshotDue()) {
                snapshot();
            }
        }, blocking);
    }

    /** Writes a snapshot covering everything appended so far. Runs on the blocking executor. */
    private void snapshot() {
        ReadView v = view;
        if (v == null || lastAppended < 0) {
            return;
        }
        long covers = lastAppended;
        ByteBuf out = Unpooled.buffer();
        try {
            Map<String, ReplicatedData<?>> chunk = new HashMap<>();
            Map<String, Long> exp = new HashMap<>();
            for (String k : v.keys()) {
                v.get(k).ifPresent(s -> chunk.put(k, s));
                v.expiry(k).ifPresent(e -> exp.put(k, e));
                if (chunk.size() == SNAPSHOT_CHUNK) {
                    writeChunk(out, chunk, exp);
                    chunk.clear();
                    exp.clear();
                }
            }
            if (!chunk.isEmpty()) {
                writeChunk(out, chunk, exp);
            }
            store.snapshot(covers, ByteBufUtil.getBytes(out));
            LOG.debug("snapshot at {}: {} bytes", covers, out.readableBytes());
        } finally {
            out.release();
        }
    }

    private void writeChunk(ByteBuf out, Map<String, ReplicatedData<?>> chunk, Map<String, Long> exp) {
        int at = out.writerIndex();
        out.writeInt(0);
        codec.encode(new Message.States(0, true, chunk, exp), out);
        out.setInt(at, out.writerIndex() - at - 4);
    }

    /** Closes the store; call once the blocking executor ran what was queued on it. */
    @Override
    public void close() {
        store.close();
    }
}
