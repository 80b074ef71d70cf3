package io.converge.crdt.codec;

import io.converge.crdt.ConvergeException;

/**
 * A value that a codec refuses to write, because the matching decoder would refuse to read it:
 * what one codec writes, every codec reading under the same {@link CodecLimits} can read back.
 * Raised before anything is appended (the output buffer is left as it was).
 *
 * <ul>
 *   <li>a string holding an unpaired surrogate, which UTF-8 cannot represent
 *       ({@link #limitName()} is null);
 *   <li>a string or byte array longer than {@link CodecLimits#maxStringBytes()};
 *   <li>a collection larger than {@link CodecLimits#maxElements()}, more replica ids than
 *       {@link CodecLimits#maxReplicaIdsPerMessage()}, or a whole frame larger than
 *       {@link CodecLimits#maxFrameBytes()} (self-contained frames of {@link BinaryCodec} and
 *       JSON documents; message frames are cut by the sync layer instead, see {@link MessageCodec});
 *   <li>a counter or dot counter above {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}
 *       ({@code maxCounter}).
 * </ul>
 * The engine measures every local update with its frame codec, so an update holding such a value
 * fails with this exception and changes nothing.
 *
 * <p>Unchecked and immutable.
 */
public final class EncodeException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    private final String limitName;
    private final long size;
    private final long limit;

    /**
     * A value whose {@code size} is above the limit {@code limitName}.
     *
     * @param limitName the limit, as named in {@link CodecLimits} (or {@code maxCounter})
     * @param size what the value needs
     * @param limit the bound it exceeds
     * @param what the value, for the message (for example {@code "string"})
     */
    public EncodeException(String limitName, long size, long limit, String what) {
        super("cannot encode " + what + ": " + limitName + " exceeded: " + size + " > " + limit);
        this.limitName = limitName;
        this.size = size;
        this.limit = limit;
    }

    /**
     * A value that no encoding can represent (such as a string with an unpaired surrogate).
     *
     * @param reason what is wrong with it
     */
    public EncodeException(String reason) {
        super("cannot encode: " + reason);
        this.limitName = null;
        this.size = -1;
        this.limit = -1;
    }

    /**
     * The limit the value exceeds, as named in {@link CodecLimits} ({@code maxStringBytes},
     * {@code maxElements}, {@code maxReplicaIdsPerMessage}, {@code maxFrameBytes}) or
     * {@code maxCounter}; null when the value is malformed rather than too large.
     */
    public String limitName() {
        return limitName;
    }

    /** What the value needs (bytes, elements, ids or the counter), or -1 when malformed. */
    public long size() {
        return size;
    }

    /** The bound exceeded, or -1 when malformed. */
    public long limit() {
        return limit;
    }
}
