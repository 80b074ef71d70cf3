package io.converge.crdt.codec;

import io.converge.crdt.ConvergeException;

/**
 * Bytes or JSON text that cannot be decoded into a value: the root of the codecs' typed errors.
 * A decoder never lets anything else escape (no {@code IndexOutOfBoundsException}, no
 * {@code IllegalArgumentException}, no Jackson exception): the subclasses tell what went
 * wrong, and {@link #offset()} says where.
 *
 * <ul>
 *   <li>{@link FrameTooLargeException}: the input is larger than {@link CodecLimits#maxFrameBytes()};
 *       nothing was read.
 *   <li>{@link UnsupportedVersionException}: the frame starts with a version this decoder does
 *       not speak; the body was not read.
 *   <li>{@link LimitExceededException}: a declared count, length or depth is above a
 *       {@link CodecLimits} bound, or a counter above
 *       {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}; nothing was allocated for it.
 *   <li>{@link CodecMismatchException}: the input holds a value of another type than the one it
 *       is decoded as; nothing was decoded.
 *   <li>{@link MalformedFrameException}: anything else (truncated, overlong varint, bad UTF-8,
 *       unknown replica index, non-canonical order, a value breaking its invariants, ...); its
 *       subclass {@link ChecksumMismatchException}: a binary frame whose CRC32C does not match.
 * </ul>
 * Decoding is all or nothing: when this is thrown, no value was produced and nothing was joined.
 *
 * <p>Unchecked, immutable, and safe to pass between threads.
 */
public abstract sealed class DecodeException extends ConvergeException
        permits FrameTooLargeException, MalformedFrameException, UnsupportedVersionException,
        LimitExceededException, CodecMismatchException {
    private static final long serialVersionUID = 1L;

    private final long offset;

    DecodeException(String message, long offset, Throwable cause) {
        super(message + (offset >= 0 ? " (at offset " + offset + ")" : ""), cause);
        this.offset = offset;
    }

    /**
     * Where the problem was found: a byte offset from the start of a binary frame, or a byte (else
     * character) offset into a JSON document; {@code -1} when unknown.
     */
    public long offset() {
        return offset;
    }
}
