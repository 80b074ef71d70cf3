package io.converge.crdt.store;

/**
 * A record longer than {@link StoreConfig#maxRecordBytes()} was offered to
 * {@link DeltaLog#append}. Nothing was written; the log stays usable.
 */
public final class RecordTooLargeException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final int length;
    private final int limit;

    /** An exception naming the record's length and the limit. */
    public RecordTooLargeException(int length, int limit) {
        super("record of " + length + " bytes exceeds maxRecordBytes " + limit);
        this.length = length;
        this.limit = limit;
    }

    /** The rejected record's length in bytes. */
    public int length() {
        return length;
    }

    /** The configured limit in bytes. */
    public int limit() {
        return limit;
    }
}
