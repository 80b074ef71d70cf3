package io.converge.crdt.codec;

/**
 * The frame starts with a format version this decoder does not support. Raised after reading the
 * version byte only: the rest of the frame is never looked at.
 *
 * <p>Immutable.
 */
public final class UnsupportedVersionException extends DecodeException {
    private static final long serialVersionUID = 1L;

    private final int version;
    private final int minSupported;
    private final int maxSupported;

    /**
     * An exception for {@code version}, found at {@code offset}, against the supported range.
     *
     * @param version the version found
     * @param minSupported the lowest version this decoder reads
     * @param maxSupported the highest version this decoder reads
     * @param offset where the version was found
     */
    public UnsupportedVersionException(int version, int minSupported, int maxSupported, long offset) {
        super("unsupported format version " + version + ", supported " + minSupported + ".." + maxSupported,
                offset, null);
        this.version = version;
        this.minSupported = minSupported;
        this.maxSupported = maxSupported;
    }

    /** The version found in the input. */
    public int version() {
        return version;
    }

    /** The lowest supported version. */
    public int minSupported() {
        return minSupported;
    }

    /** The highest supported version. */
    public int maxSupported() {
        return maxSupported;
    }
}
