package io.converge.crdt.codec;

/**
 * The input is not a valid encoding: truncated, an overlong or too long varint, a negative or
 * impossible length, malformed UTF-8, an unknown replica index, keys out of canonical order or
 * repeated, trailing bytes, or a decoded value that breaks its type's invariants (for example a
 * dot outside the causal context).
 *
 * <p>{@link ChecksumMismatchException}, its one subclass, says that a binary frame's CRC32C does
 * not match its bytes.
 *
 * <p>Immutable. User {@link CrdtCodec}s raise it through {@link CodecReader#malformed(String)}.
 */
public sealed class MalformedFrameException extends DecodeException permits ChecksumMismatchException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a reason and the offset where it was found.
     *
     * @param reason what is wrong
     * @param offset where, or -1 if unknown
     */
    public MalformedFrameException(String reason, long offset) {
        super(reason, offset, null);
    }

    /**
     * An exception with a reason, the offset where it was found and the exception that revealed it.
     *
     * @param reason what is wrong
     * @param offset where, or -1 if unknown
     * @param cause the underlying error (an index or parse error, an invariant violation)
     */
    public MalformedFrameException(String reason, long offset, Throwable cause) {
        super(reason, offset, cause);
    }
}
