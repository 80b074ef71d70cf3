package io.converge.crdt.codec;

/**
 * The input holds a value of another type than the one it is decoded as: a {@link BinaryCodec}
 * frame written by another codec, a JSON document of another type, or a message value for a key
 * bound to another codec here. Nothing was decoded: a value read as the wrong type could look
 * valid and destroy data when joined (a counter's replica entries taken for a set's context
 * removes that set's elements).
 *
 * <p>Immutable.
 */
public final class CodecMismatchException extends DecodeException {
    private static final long serialVersionUID = 1L;

    private final String expected;
    private final String found;

    /**
     * An exception for input of type {@code found} read as {@code expected}.
     *
     * @param expected the codec id (for JSON, the type name) the decoder reads
     * @param found the codec id (or type name) the input names
     * @param offset where the type was read, or -1 if unknown
     */
    public CodecMismatchException(String expected, String found, long offset) {
        this(expected, found, offset, "");
    }

    /**
     * An exception for input of type {@code found} read as {@code expected}, naming where.
     *
     * @param expected the codec id the decoder reads
     * @param found the codec id the input names
     * @param offset where the type was read, or -1 if unknown
     * @param context where the value was, for the message (for example {@code "key 'cart'"}), or empty
     */
    public CodecMismatchException(String expected, String found, long offset, String context) {
        super((context.isEmpty() ? "" : context + ": ") + "holds a " + found + ", decoded as a " + expected, offset,
                null);
        this.expected = expected;
        this.found = found;
    }

    /** The codec id (for JSON, the type name) the decoder expected. */
    public String expected() {
        return expected;
    }

    /** The codec id (for JSON, the type name) the input holds. */
    public String found() {
        return found;
    }
}
