package io.converge.crdt.codec;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The binary form of the protocol's {@link Message}s: one frame per message, with one replica-id
 * table and one codec-id table shared by every value in it.
 *
 * <pre>
 * frame   = version:u8 · type:u8 · replicas · codecIds · body · crc32c:u32
 * Deltas  = start · end · n · n × (key:string · codec:varint · value · expiresAt)
 * States  = transfer · last:u8 · n · n × (key · codec · value · expiresAt) · parts
 * StatePart = transfer · key · codec · part · parts · value · expiresAt
 * Offer   = transfer · upTo · last:u8 · n · n × (key · digest:i64)
 * Request = transfer · last:u8 · n · n × key
 * Ack, Nack = sequence;  Heartbeat = sequence · digest:i64
 * </pre>
 * Numbers are varints; the frame ends with the CRC32C (big-endian) of every byte before it, so
 * a frame changed on a plaintext link is a {@link ChecksumMismatchException}, never another
 * message. Each value names its encoding by an index into the codec-id table, so a receiver
 * decodes keys it has never used, provided it knows the codec (see {@link CodecRegistry}); an
 * unknown codec id is a {@link MalformedFrameException}, a value for a key bound here to another
 * codec a {@link CodecMismatchException}.
 *
 * <p>Decoding is as strict as {@link BinaryCodec}'s: limits checked before allocating, only
 * {@link DecodeException}s escape, every value's invariants checked, nothing retained.
 *
 * <p>Encoding refuses, with {@link EncodeException}, every value a decoder with the same limits
 * would refuse: an unpaired surrogate, a string above {@code maxStringBytes}, a counter above
 * {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}. The size of a message (entries,
 * bytes) is the sync layer's to bound, not this codec's: it cuts messages to
 * {@code maxEntriesPerMessage} entries and {@code maxMessageBytes}, and sends a key larger than
 * one message in parts, so {@link #encodedSize} measures a value of any size. Thread-safe.
 */
public final class MessageCodec {
    /** Version of the frame layout. */
    public static final int VERSION = 1;

    private static final int DELTAS = 1;
    private static final int ACK = 2;
    private static final int NACK = 3;
    private static final int OFFER = 4;
    private static final int REQUEST = 5;
    private static final int STATES = 6;
    private static final int HEARTBEAT = 7;
    private static final int STATE_PART = 8;
    /**
     * Added without a version bump: no frame of version 1 has crossed a network release yet, and
     * a node that does not know a type refuses the frame with a typed error (unknown message
     * type), which the frame stage counts and drops; see docs/architecture.md.
     */
    private static final int GOODBYE = 9;
    private static final int UNREACHABLE = 10;
    private static final int READ_REQUEST = 11;
    private static final int READ_REPLY = 12;

    private final CodecRegistry registry;
    private final CodecLimits limits;

    /** A codec resolving value codecs through {@code registry}, decoding within {@code limits}. */
    public MessageCodec(CodecRegistry registry, CodecLimits limits) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** The registry this codec resolves value codecs with. */
    public CodecRegistry registry() {
        return registry;
    }

    /** The frame of {@code m} as bytes. */
    public byte[] encodeToBytes(Message m) {
        ByteBuf buf = Unpooled.buffer();
        try {
            encode(m, buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /**
     * Appends the frame of {@code m} to {@code out}; on failure nothing is appended.
     *
     * @throws IllegalArgumentException if a key has no known codec
     * @throws EncodeException if a value holds what a decoder would refuse (see above)
     */
    public void encode(Message m, ByteBuf out) {
        Objects.requireNonNull(m, "message");
        Objects.requireNonNull(out, "out");
        Map<String, ReplicatedData<?>> values = m instanceof Message.Deltas d ? d.deltas()
                : m instanceof Message.States s ? s.states()
                : m instanceof Message.StatePart p ? Map.of(p.key(), p.value())
                : m instanceof Message.ReadReply rr && rr.state().isPresent() ? Map.of(rr.key(), rr.state().get())
                : Map.of();
        // Tables first: replica ids of every value, codec ids in first-use order.
        TreeSet<ReplicaId> ids = new TreeSet<>();
        Map<String, Integer> codecIndex = new LinkedHashMap<>();
        List<CrdtCodec<?>> codecs = new ArrayList<>();
        List<String> keys = new ArrayList<>(values.keySet());
        keys.sort(null);
        if (m instanceof Message.Unreachable u) {
            ids.addAll(u.replicas());
        }
        for (String k : keys) {
            CrdtCodec<?> c = registry.forKey(k);
            visit(c, values.get(k), ids);
            if (!codecIndex.containsKey(c.id())) {
                codecIndex.put(c.id(), codecs.size());
                codecs.add(c);
            }
        }
        Map<ReplicaId, Integer> index = new HashMap<>(ids.size() * 2);
        int start = out.writerIndex();
        CodecWriter w = CodecWriter.forFrame(out, index, true, limits, false);
        boolean done = false;
        try {
            out.writeByte(VERSION);
            out.writeByte(type(m));
            w.writeVarInt(ids.size());
            for (ReplicaId id : ids) {
                index.put(id, index.size());
                out.writeBytes(id.toBytes());
            }
            w.writeVarInt(codecs.size());
            for (CrdtCodec<?> c : codecs) {
                w.writeCodecId(c.id());
            }
            if (m instanceof Message.Deltas d) {
                w.writeVarLong(d.start());
                w.writeVarLong(d.end());
                writeValues(w, keys, values, d.expiries(), codecIndex);
            } else if (m instanceof Message.States s) {
                w.writeVarLong(s.transfer());
                w.writeVarLong(s.seq());
                out.writeByte(s.last() ? 1 : 0);
                writeValues(w, keys, values, s.expiries(), codecIndex);
                w.writeVarInt(s.parts());
            } else if (m instanceof Message.StatePart p) {
                w.writeVarLong(p.transfer());
                w.writeVarLong(p.seq());
                w.writeVarInt(p.part());
                w.writeVarInt(p.parts());
                writeValues(w, keys, values, p.expiresAt() > 0 ? Map.of(p.key(), p.expiresAt()) : Map.of(), codecIndex);
            } else if (m instanceof Message.Ack a) {
                w.writeVarLong(a.upTo());
                w.writeVarLong(a.transfer());
            } else if (m instanceof Message.Nack n) {
                w.writeVarLong(n.end());
            } else if (m instanceof Message.Offer o) {
                w.writeVarLong(o.transfer());
                w.writeVarLong(o.seq());
                w.writeVarLong(o.upTo());
                out.writeByte(o.last() ? 1 : 0);
                List<String> ks = new ArrayList<>(o.digests().keySet());
                ks.sort(null);
                w.writeVarInt(ks.size());
                for (String k : ks) {
                    w.writeString(k);
                    out.writeLong(o.digests().get(k));
                }
            } else if (m instanceof Message.Request r) {
                w.writeVarLong(r.transfer());
                out.writeByte(r.last() ? 1 : 0);
                w.writeVarInt(r.keys().size());
                for (String k : r.keys()) {
                    w.writeString(k);
                }
            } else if (m instanceof Message.Heartbeat h) {
                w.writeVarLong(h.sequence());
                out.writeLong(h.storeDigest());
            } else if (m instanceof Message.ReadRequest rq) {
                w.writeVarLong(rq.id());
                w.writeString(rq.key());
            } else if (m instanceof Message.ReadReply rr) {
                w.writeVarLong(rr.id());
                out.writeByte(rr.tooLarge() ? 2 : rr.state().isPresent() ? 1 : 0);
                if (rr.state().isPresent()) {
                    writeValues(w, keys, values, rr.expiresAt() > 0 ? Map.of(rr.key(), rr.expiresAt()) : Map.of(),
                            codecIndex);
                } else {
                    w.writeString(rr.key());
                }
            } else if (m instanceof Message.Unreachable u) {
                w.writeVarInt(u.replicas().size());
                for (ReplicaId id : u.replicas()) {
                    w.writeReplica(id);
                }
            }
            FrameChecksum.append(out, start);
            done = true;
        } finally {
            w.release();
            if (!done) {
                out.writerIndex(start);
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void visit(CrdtCodec c, ReplicatedData<?> v, TreeSet<ReplicaId> ids) {
        c.visitReplicas(v, id -> ids.add((ReplicaId) id));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void writeValues(CodecWriter w, List<String> keys, Map<String, ReplicatedData<?>> values,
            Map<String, Long> expiries, Map<String, Integer> codecIndex) {
        w.writeVarInt(keys.size());
        for (String k : keys) {
            CrdtCodec c = registry.forKey(k);
            w.writeString(k);
            w.writeVarInt(codecIndex.get(c.id()));
            w.enter();
            c.encode(values.get(k), w);
            w.exit();
            w.writeVarLong(expiries.getOrDefault(k, 0L));
        }
    }

    private static int type(Message m) {
        if (m instanceof Message.Deltas) {
            return DELTAS;
        }
        if (m instanceof Message.Ack) {
            return ACK;
        }
        if (m instanceof Message.Nack) {
            return NACK;
        }
        if (m instanceof Message.Offer) {
            return OFFER;
        }
        if (m instanceof Message.Request) {
            return REQUEST;
        }
        if (m instanceof Message.States) {
            return STATES;
        }
        if (m instanceof Message.StatePart) {
            return STATE_PART;
        }
        if (m instanceof Message.Goodbye) {
            return GOODBYE;
        }
        if (m instanceof Message.Unreachable) {
            return UNREACHABLE;
        }
        if (m instanceof Message.ReadRequest) {
            return READ_REQUEST;
        }
        if (m instanceof Message.ReadReply) {
            return READ_REPLY;
        }
        return HEARTBEAT;
    }

    /**
     * The bytes {@code value} takes as the only entry of a frame under {@code key}: an upper bound
     * of what it adds to any frame (a frame's replica and codec tables are shared by its entries).
     * The engine measures every local update with it, so an update this codec cannot encode is
     * refused before it is applied.
     *
     * @throws IllegalArgumentException if the key has no codec
     * @throws EncodeException if the value holds what a decoder would refuse
     */
    public int encodedSize(String key, ReplicatedData<?> value) {
        ByteBuf buf = Unpooled.buffer(256);
        try {
            encode(new Message.Deltas(0, 0, Map.of(key, value), Map.of()), buf);
            return buf.readableBytes();
        } finally {
            buf.release();
        }
    }

    /** Decodes a frame held in a byte array. */
    public Message decode(byte[] frame) {
        Objects.requireNonNull(frame, "frame");
        return decode(Unpooled.wrappedBuffer(frame));
    }

    /**
     * Decodes the frame held by the readable bytes of {@code frame} (neither retained nor
     * released). Keys decoded with a codec are remembered in the registry, so this node can send
     * them on.
     *
     * @throws DecodeException if the frame is too large, of an unknown version or type, fails its
     *     checksum, is over a limit, malformed, holds a value that breaks its invariants or a value
     *     of another type than its key's here
     */
    public Message decode(ByteBuf frame) {
        Objects.requireNonNull(frame, "frame");
        int size = frame.readableBytes();
        if (size > limits.maxFrameBytes()) {
            throw new FrameTooLargeException(size, limits.maxFrameBytes());
        }
        FrameChecksum.checkHeader(frame, size, VERSION, 2);
        ByteBuf body = frame.duplicate();
        body.writerIndex(body.readerIndex() + size - FrameChecksum.BYTES);
        CodecReader r = new CodecReader(body, limits);
        Decoded d;
        try {
            d = decodeFrame(r);
        } catch (DecodeException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MalformedFrameException("cannot decode message: " + e, r.offset(), e);
        }
        // Only a fully valid frame teaches the registry anything.
        d.learned.forEach(registry::learn);
        frame.skipBytes(size);
        return d.message;
    }

    private record Decoded(Message message, Map<String, CrdtCodec<?>> learned) {
    }

    private Decoded decodeFrame(CodecReader r) {
        r.readUnsignedByte(); // the version, checked
        int type = r.readUnsignedByte();
        r.readReplicaTable();
        int n = r.readCount("codec ids", 1);
        List<CrdtCodec<?>> codecs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = r.readCodecId();
            CrdtCodec<?> c = registry.forId(id);
            if (c == null) {
                throw r.malformed("unknown codec '" + id + "': register it on this node");
            }
            codecs.add(c);
        }
        Map<String, CrdtCodec<?>> learned = new HashMap<>();
        Message m;
        switch (type) {
            case DELTAS: {
                long start = r.readNonNegativeLong();
                long end = r.readNonNegativeLong();
                if (end < start) {
                    throw r.malformed("interval end " + end + " before start " + start);
                }
                Map<String, ReplicatedData<?>> values = new HashMap<>();
                Map<String, Long> expiries = new HashMap<>();
                readValues(r, codecs, values, expiries, learned);
                m = new Message.Deltas(start, end, values, expiries);
                break;
            }
            case STATES: {
                long transfer = r.readNonNegativeLong();
                long seq = r.readNonNegativeLong();
                boolean last = readFlag(r);
                Map<String, ReplicatedData<?>> values = new HashMap<>();
                Map<String, Long> expiries = new HashMap<>();
                readValues(r, codecs, values, expiries, learned);
                int parts = r.readVarInt();
                if (parts < 0) {
                    throw r.malformed("negative part count");
                }
                m = new Message.States(transfer, last, values, expiries, parts, seq);
                break;
            }
            case STATE_PART: {
                long transfer = r.readNonNegativeLong();
                long seq = r.readNonNegativeLong();
                int part = r.readVarInt();
                int parts = r.readVarInt();
                if (parts < 1 || part < 0 || part >= parts) {
                    throw r.malformed("part " + part + " of " + parts);
                }
                Map<String, ReplicatedData<?>> values = new HashMap<>();
                Map<String, Long> expiries = new HashMap<>();
                readValues(r, codecs, values, expiries, learned);
                if (values.size() != 1) {
                    throw r.malformed("a state part holds " + values.size() + " keys");
                }
                var e = values.entrySet().iterator().next();
                m = new Message.StatePart(transfer, e.getKey(), part, parts, e.getValue(),
                        expiries.getOrDefault(e.getKey(), 0L), seq);
                break;
            }
            case ACK: {
                long upTo = r.readNonNegativeLong();
                m = new Message.Ack(upTo, r.readNonNegativeLong());
                break;
            }
            case NACK:
                m = new Message.Nack(r.readNonNegativeLong());
                break;
            case OFFER: {
                long transfer = r.readNonNegativeLong();
                long seq = r.readNonNegativeLong();
                long upTo = r.readNonNegativeLong();
                boolean last = readFlag(r);
                int count = r.readCount("offered keys", 9);
                Map<String, Long> digests = new HashMap<>(count * 2);
                for (int i = 0; i < count; i++) {
                    String k = readKey(r);
                    r.require(8);
                    if (digests.put(k, r.buffer().readLong()) != null) {
                        throw r.malformed("key '" + k + "' offered twice");
                    }
                }
                m = new Message.Offer(transfer, upTo, last, digests, seq);
                break;
            }
            case REQUEST: {
                long transfer = r.readNonNegativeLong();
                boolean last = readFlag(r);
                int count = r.readCount("requested keys", 1);
                List<String> keys = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    keys.add(readKey(r));
                }
                m = new Message.Request(transfer, last, keys);
                break;
            }
            case HEARTBEAT: {
                long seq = r.readNonNegativeLong();
                r.require(8);
                m = new Message.Heartbeat(seq, r.buffer().readLong());
                break;
            }
            case GOODBYE:
                m = new Message.Goodbye();
                break;
            case READ_REQUEST: {
                long id = r.readNonNegativeLong();
                m = new Message.ReadRequest(id, readKey(r));
                break;
            }
            case READ_REPLY: {
                long id = r.readNonNegativeLong();
                r.require(1);
                int kind = r.buffer().readUnsignedByte();
                if (kind == 1) {
                    Map<String, ReplicatedData<?>> values = new HashMap<>();
                    Map<String, Long> expiries = new HashMap<>();
                    readValues(r, codecs, values, expiries, learned);
                    if (values.size() != 1) {
                        throw r.malformed("a read reply holds " + values.size() + " keys");
                    }
                    var e = values.entrySet().iterator().next();
                    m = new Message.ReadReply(id, e.getKey(), java.util.Optional.of(e.getValue()),
                            expiries.getOrDefault(e.getKey(), 0L), false);
                } else if (kind == 0 || kind == 2) {
                    m = new Message.ReadReply(id, readKey(r), java.util.Optional.empty(), 0, kind == 2);
                } else {
                    throw r.malformed("read reply kind " + kind);
                }
                break;
            }
            case UNREACHABLE: {
                int count = r.readCount("unreachable replicas", 1);
                java.util.TreeSet<ReplicaId> replicas = new java.util.TreeSet<>();
                for (int i = 0; i < count; i++) {
                    if (!replicas.add(r.readReplica())) {
                        throw r.malformed("a replica named twice");
                    }
                }
                m = new Message.Unreachable(replicas);
                break;
            }
            default:
                throw r.malformed("unknown message type " + type);
        }
        if (r.remaining() != 0) {
            throw r.malformed(r.remaining() + " trailing bytes");
        }
        return new Decoded(m, learned);
    }

    private static boolean readFlag(CodecReader r) {
        int b = r.readUnsignedByte();
        if (b > 1) {
            throw r.malformed("flag byte " + b);
        }
        return b == 1;
    }

    private static String readKey(CodecReader r) {
        String k = r.readString();
        if (k.isEmpty() || k.length() > 512) {
            throw r.malformed("key of " + k.length() + " characters");
        }
        return k;
    }

    private void readValues(CodecReader r, List<CrdtCodec<?>> codecs, Map<String, ReplicatedData<?>> values,
            Map<String, Long> expiries, Map<String, CrdtCodec<?>> learned) {
        int count = r.readCount("values", 3);
        for (int i = 0; i < count; i++) {
            String k = readKey(r);
            int ci = r.readVarInt();
            if (ci < 0 || ci >= codecs.size()) {
                throw r.malformed("codec index " + ci + " of " + codecs.size());
            }
            CrdtCodec<?> c = codecs.get(ci);
            CrdtCodec<?> known = registry.knownForKey(k);
            if (known != null && !known.id().equals(c.id())) {
                throw new CodecMismatchException(known.id(), c.id(), r.offset(), "key '" + k + "'");
            }
            r.enter();
            ReplicatedData<?> v = c.decode(r);
            r.exit();
            if (v == null) {
                throw r.malformed(c.id() + " decoded null");
            }
            try {
                v.checkInvariants();
            } catch (RuntimeException e) {
                throw new MalformedFrameException("value of '" + k + "' breaks its invariants: " + e.getMessage(),
                        r.offset(), e);
            }
            long exp = r.readNonNegativeLong();
            if (values.put(k, v) != null) {
                throw r.malformed("key '" + k + "' twice in one message");
            }
            if (exp > 0) {
                expiries.put(k, exp);
            }
            learned.put(k, c);
        }
    }
}
