package io.converge.crdt.codec;

import java.util.Objects;

/**
 * The bounds a decoder enforces on untrusted input, in one immutable value shared by the binary
 * codec, the JSON codec and Jackson's {@code StreamReadConstraints}. Every bound is checked
 * <em>before</em> anything is allocated for the input it guards, so a hostile peer can make a
 * decoder spend at most about {@link #maxFrameBytes()} of memory and time linear in it. Encoders
 * refuse what a decoder under the same limits would refuse ({@link EncodeException}); message
 * frames leave {@link #maxElements()} and {@link #maxFrameBytes()} to the sync layer, which
 * bounds each message and sends a larger key in parts, so these limits bound one message, never
 * a key.
 *
 * <table>
 *   <caption>Limits and defaults</caption>
 *   <tr><th>limit</th><th>default</th><th>bounds</th></tr>
 *   <tr><td>{@link #maxFrameBytes()}</td><td>1 MiB</td><td>a whole binary frame or JSON document</td></tr>
 *   <tr><td>{@link #maxElements()}</td><td>100 000</td><td>entries of any one collection: keys, dots of
 *       a key, hints, context records, cloud dots of one replica</td></tr>
 *   <tr><td>{@link #maxDepth()}</td><td>32</td><td>nesting of CRDT values (an {@code ORMap} of
 *       {@code ORMap}s); in JSON, nesting of arrays and objects</td></tr>
 *   <tr><td>{@link #maxStringBytes()}</td><td>64 KiB</td><td>one string, byte array or JSON value</td></tr>
 *   <tr><td>{@link #maxReplicaIdsPerMessage()}</td><td>4096</td><td>distinct replica ids in one frame
 *       or document</td></tr>
 * </table>
 * Peers that have not authenticated yet get much smaller frames (sync.md §1: 4 KiB); that bound
 * belongs to the transport.
 *
 * <p>Immutable and safe to share between threads. Build one with {@link #builder()}.
 */
public final class CodecLimits {
    /** Default of {@link #maxFrameBytes()}: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;
    /** Default of {@link #maxElements()}: 100 000. */
    public static final int DEFAULT_MAX_ELEMENTS = 100_000;
    /** Default of {@link #maxDepth()}: 32. */
    public static final int DEFAULT_MAX_DEPTH = 32;
    /** Default of {@link #maxStringBytes()}: 64 KiB. */
    public static final int DEFAULT_MAX_STRING_BYTES = 64 * 1024;
    /** Default of {@link #maxReplicaIdsPerMessage()}: 4096. */
    public static final int DEFAULT_MAX_REPLICA_IDS = 4096;

    private static final CodecLimits DEFAULTS = builder().build();

    private final int maxFrameBytes;
    private final int maxElements;
    private final int maxDepth;
    private final int maxStringBytes;
    private final int maxReplicaIdsPerMessage;

    private CodecLimits(Builder b) {
        this.maxFrameBytes = b.maxFrameBytes;
        this.maxElements = b.maxElements;
        this.maxDepth = b.maxDepth;
        this.maxStringBytes = b.maxStringBytes;
        this.maxReplicaIdsPerMessage = b.maxReplicaIds;
    }

    /** The limits with every default. */
    public static CodecLimits defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Largest frame (binary) or document (JSON, in bytes or characters) a decoder accepts. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** Largest number of entries in any one collection of a frame. */
    public int maxElements() {
        return maxElements;
    }

    /** Deepest nesting of CRDT values in a frame; of arrays and objects in JSON. */
    public int maxDepth() {
        return maxDepth;
    }

    /** Longest string, byte array or embedded JSON value, in bytes. */
    public int maxStringBytes() {
        return maxStringBytes;
    }

    /** Largest number of distinct replica ids one frame or document may name. */
    public int maxReplicaIdsPerMessage() {
        return maxReplicaIdsPerMessage;
    }

    /**
     * Longest codec id ({@link CrdtCodec#id()}) a frame may name, in UTF-8 bytes: at least 1 KiB
     * whatever {@link #maxStringBytes()} (an id is not user data, and a small string limit must
     * not make every frame unreadable).
     */
    int maxCodecIdBytes() {
        return Math.max(1024, maxStringBytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodecLimits l && l.maxFrameBytes == maxFrameBytes && l.maxElements == maxElements
                && l.maxDepth == maxDepth && l.maxStringBytes == maxStringBytes
                && l.maxReplicaIdsPerMessage == maxReplicaIdsPerMessage;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxFrameBytes, maxElements, maxDepth, maxStringBytes, maxReplicaIdsPerMessage);
    }

    @Override
    public String toString() {
        return "CodecLimits[maxFrameBytes=" + maxFrameBytes + ", maxElements=" + maxElements + ", maxDepth="
                + maxDepth + ", maxStringBytes=" + maxStringBytes + ", maxReplicaIdsPerMessage="
                + maxReplicaIdsPerMessage + "]";
    }

    /**
     * Builds {@link CodecLimits}. Each setter checks its argument at once and may be called at
     * most once. Not thread-safe.
     */
    public static final class Builder {
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private int maxElements = DEFAULT_MAX_ELEMENTS;
        private int maxDepth = DEFAULT_MAX_DEPTH;
        private int maxStringBytes = DEFAULT_MAX_STRING_BYTES;
        private int maxReplicaIds = DEFAULT_MAX_REPLICA_IDS;
        private int set;

        private Builder() {
        }

        private void once(int bit, String name) {
            if ((set & bit) != 0) {
                throw new IllegalStateException(name + " was already set");
            }
            set |= bit;
        }

        private static int positive(String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, got " + value);
            }
            return value;
        }

        /**
         * Largest frame or document accepted; default 1 MiB ({@value #DEFAULT_MAX_FRAME_BYTES}).
         *
         * @throws IllegalArgumentException if below 16
         * @throws IllegalStateException if already set
         */
        public Builder maxFrameBytes(int bytes) {
            once(1, "maxFrameBytes");
            if (bytes < 16) {
                throw new IllegalArgumentException("maxFrameBytes must be at least 16, got " + bytes);
            }
            this.maxFrameBytes = bytes;
            return this;
        }

        /**
         * Largest collection; default {@value #DEFAULT_MAX_ELEMENTS}.
         *
         * @throws IllegalArgumentException if below 1
         * @throws IllegalStateException if already set
         */
        public Builder maxElements(int count) {
            once(2, "maxElements");
            this.maxElements = positive("maxElements", count);
            return this;
        }

        /**
         * Deepest nesting; default {@value #DEFAULT_MAX_DEPTH}.
         *
         * @throws IllegalArgumentException if below 1
         * @throws IllegalStateException if already set
         */
        public Builder maxDepth(int depth) {
            once(4, "maxDepth");
            this.maxDepth = positive("maxDepth", depth);
            return this;
        }

        /**
         * Longest string or byte array; default 64 KiB ({@value #DEFAULT_MAX_STRING_BYTES}).
         *
         * @throws IllegalArgumentException if below 1
         * @throws IllegalStateException if already set
         */
        public Builder maxStringBytes(int bytes) {
            once(8, "maxStringBytes");
            this.maxStringBytes = positive("maxStringBytes", bytes);
            return this;
        }

        /**
         * Most distinct replica ids per frame; default {@value #DEFAULT_MAX_REPLICA_IDS}.
         *
         * @throws IllegalArgumentException if below 1
         * @throws IllegalStateException if already set
         */
        public Builder maxReplicaIdsPerMessage(int count) {
            once(16, "maxReplicaIdsPerMessage");
            this.maxReplicaIds = positive("maxReplicaIdsPerMessage", count);
            return this;
        }

        /** The limits. The builder may be used again afterwards. */
        public CodecLimits build() {
            return new CodecLimits(this);
        }
    }
}
