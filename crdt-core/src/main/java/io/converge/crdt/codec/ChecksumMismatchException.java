package io.converge.crdt.codec;

/**
 * A binary frame whose CRC32C trailer does not match its bytes: they were changed on the way (a
 * flipped bit in a file, a cache or a plaintext link). Raised after the version byte and before
 * anything else is read, so a damaged frame never decodes, not even to a different valid value.
 *
 * <p>Immutable.
 */
public final class ChecksumMismatchException extends MalformedFrameException {
    private static final long serialVersionUID = 1L;

    private final int stored;
    private final int computed;

    /**
     * An exception for a frame whose trailer holds {@code stored} but whose bytes give
     * {@code computed}.
     *
     * @param stored the CRC32C the frame carries
     * @param computed the CRC32C of its bytes
     * @param offset where the trailer starts
     */
    public ChecksumMismatchException(int stored, int computed, long offset) {
        super(String.format("CRC32C mismatch: the frame carries %08x, its bytes give %08x", stored, computed), offset);
        this.stored = stored;
        this.computed = computed;
    }

    /** The CRC32C stored in the frame's trailer. */
    public int stored() {
        return stored;
    }

    /** The CRC32C computed over the frame's bytes. */
    public int computed() {
        return computed;
    }
}
