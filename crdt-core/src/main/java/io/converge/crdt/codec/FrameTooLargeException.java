package io.converge.crdt.codec;

/**
 * The input is larger than {@link CodecLimits#maxFrameBytes()}. Raised before a single byte of
 * it is read, so a huge frame costs nothing but its length check.
 *
 * <p>Immutable.
 */
public final class FrameTooLargeException extends DecodeException {
    private static final long serialVersionUID = 1L;

    private final long frameBytes;
    private final long limit;

    /**
     * An exception for an input of {@code frameBytes} bytes against a limit of {@code limit}.
     *
     * @param frameBytes the size of the input
     * @param limit the limit it exceeds
     */
    public FrameTooLargeException(long frameBytes, long limit) {
        super("frame of " + frameBytes + " bytes exceeds maxFrameBytes " + limit, 0, null);
        this.frameBytes = frameBytes;
        this.limit = limit;
    }

    /** The size of the rejected input, in bytes (characters for a JSON string). */
    public long frameBytes() {
        return frameBytes;
    }

    /** The limit it exceeds. */
    public long limit() {
        return limit;
    }
}
