package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** A user-defined type plugs into the binary format by implementing {@link CrdtCodec} itself. */
class UserDefinedCodecTest {
    /** A register keeping the greatest value; ties broken by the writer. */
    static final class MaxValue implements ReplicatedData<MaxValue> {
        static final MaxValue BOTTOM = new MaxValue(null, Long.MIN_VALUE);
        final ReplicaId writer;
        final long value;

        MaxValue(ReplicaId writer, long value) {
            this.writer = writer;
            this.value = value;
        }

        @Override
        public MaxValue join(MaxValue o) {
            if (o.writer == null) {
                return this;
            }
            if (writer == null) {
                return o;
            }
            int c = value != o.value ? Long.compare(value, o.value) : writer.compareTo(o.writer);
            return c >= 0 ? this : o;
        }

        @Override
        public MaxValue bottom() {
            return BOTTOM;
        }

        @Override
        public boolean isBottom() {
            return writer == null;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MaxValue m && Objects.equals(m.writer, writer) && m.value == value;
        }

        @Override
        public int hashCode() {
            return Objects.hash(writer, value);
        }
    }

    /** Its codec: a tag byte, then the writer (a table index) and the value (zigzag varint). */
    static final class MaxValueCodec implements CrdtCodec<MaxValue> {
        @Override
        public String id() {
            return "MaxValue";
        }

        @Override
        public void encode(MaxValue v, CodecWriter out) {
            if (v.isBottom()) {
                out.writeByte(0);
                return;
            }
            out.writeByte(1);
            out.writeReplica(v.writer);
            out.writeSignedVarLong(v.value);
        }

        @Override
        public MaxValue decode(CodecReader in) {
            int tag = in.readUnsignedByte();
            if (tag == 0) {
                return MaxValue.BOTTOM;
            }
            if (tag != 1) {
                throw in.malformed("unknown MaxValue tag " + tag);
            }
            return new MaxValue(in.readReplica(), in.readSignedVarLong());
        }
    }

    @Test
    void aUserCodecRoundTripsWithTheDefaultReplicaVisit() {
        BinaryCodec<MaxValue> codec = BinaryCodec.of(new MaxValueCodec());
        MaxValue v = new MaxValue(ReplicaId.of("writer-7"), -42);
        byte[] frame = codec.encodeToBytes(v);
        assertEquals(v, codec.decode(frame));
        assertTrue(new String(frame, StandardCharsets.ISO_8859_1).contains("writer-7"), "the id is in the table");
        assertEquals(MaxValue.BOTTOM, codec.decode(codec.encodeToBytes(MaxValue.BOTTOM)));
        // version, id "MaxValue" (1 + 8), no replica, tag 0, CRC32C (4)
        assertEquals(Frames.header("MaxValue") + 1 + 1 + 4, codec.encodeToBytes(MaxValue.BOTTOM).length);
    }

    @Test
    void aUserCodecsErrorsAreTypedEvenWhenItReadsTheBufferDirectly() {
        BinaryCodec<MaxValue> codec = BinaryCodec.of(new MaxValueCodec());
        assertThrows(MalformedFrameException.class, () -> codec.decode(Frames.binary("MaxValue", 0, 7)));
        assertThrows(MalformedFrameException.class, () -> codec.decode(Frames.binary("MaxValue", 0, 1, 0)));
        CrdtCodec<MaxValue> careless = new CrdtCodec<>() {
            @Override
            public String id() {
                return "careless";
            }

            @Override
            public void encode(MaxValue v, CodecWriter out) {
                out.buffer().writeLong(v.value);
            }

            @Override
            public MaxValue decode(CodecReader in) {
                return new MaxValue(ReplicaId.of("x"), in.buffer().readLong());
            }
        };
        MalformedFrameException e = assertThrows(MalformedFrameException.class,
                () -> BinaryCodec.of(careless).decode(Frames.binary("careless", 0, 2)));
        assertTrue(e.getCause() instanceof IndexOutOfBoundsException, String.valueOf(e.getCause()));
    }
}
