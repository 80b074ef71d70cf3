package io.converge.crdt.codec;

import java.util.UUID;

/** The built-in {@link ValueCodec}s: stateless singletons. */
final class BuiltinValueCodecs {
    private BuiltinValueCodecs() {
    }

    static final ValueCodec<String> STRING = new ValueCodec<>() {
        @Override
        public String id() {
            return "string";
        }

        @Override
        public void encode(String value, CodecWriter out) {
            out.writeString(value);
        }

        @Override
        public String decode(CodecReader in) {
            return in.readString();
        }

        @Override
        public String toString() {
            return "ValueCodec.string()";
        }
    };

    static final ValueCodec<Long> INT64 = new ValueCodec<>() {
        @Override
        public String id() {
            return "int64";
        }

        @Override
        public void encode(Long value, CodecWriter out) {
            out.writeSignedVarLong(value);
        }

        @Override
        public Long decode(CodecReader in) {
            return in.readSignedVarLong();
        }

        @Override
        public String toString() {
            return "ValueCodec.int64()";
        }
    };

    static final ValueCodec<Integer> INT32 = new ValueCodec<>() {
        @Override
        public String id() {
            return "int32";
        }

        @Override
        public void encode(Integer value, CodecWriter out) {
            out.writeSignedVarLong(value);
        }

        @Override
        public Integer decode(CodecReader in) {
            int off = in.offset();
            long v = in.readSignedVarLong();
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE || in.offset() - off > 5) {
                throw new MalformedFrameException("int32 out of range", off);
            }
            return (int) v;
        }

        @Override
        public String toString() {
            return "ValueCodec.int32()";
        }
    };

    static final ValueCodec<byte[]> BYTES = new ValueCodec<>() {
        @Override
        public String id() {
            return "bytes";
        }

        @Override
        public void encode(byte[] value, CodecWriter out) {
            out.writeBytes(value);
        }

        @Override
        public byte[] decode(CodecReader in) {
            return in.readBytes();
        }

        @Override
        public String toString() {
            return "ValueCodec.bytes()";
        }
    };

    static final ValueCodec<UUID> UUID_CODEC = new ValueCodec<>() {
        @Override
        public String id() {
            return "uuid";
        }

        @Override
        public void encode(UUID value, CodecWriter out) {
            out.buffer().writeLong(value.getMostSignificantBits());
            out.buffer().writeLong(value.getLeastSignificantBits());
        }

        @Override
        public UUID decode(CodecReader in) {
            in.require(16);
            return new UUID(in.buffer().readLong(), in.buffer().readLong());
        }

        @Override
        public String toString() {
            return "ValueCodec.uuid()";
        }
    };
}
