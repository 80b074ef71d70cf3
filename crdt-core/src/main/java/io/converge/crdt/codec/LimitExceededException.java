package io.converge.crdt.codec;

/**
 * A declared count, length or nesting depth in the input is above its {@link CodecLimits}
 * bound, or a counter (a dot counter, a per-replica count or total) is above the fixed bound
 * {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER} (limit name {@code maxCounter}).
 * Raised as soon as the declaration is read, before anything is allocated for it.
 *
 * <p>Immutable.
 */
public final class LimitExceededException extends DecodeException {
    private static final long serialVersionUID = 1L;

    private final String limitName;
    private final long declared;
    private final long limit;

    /**
     * An exception for a {@code declared} amount above {@code limit}.
     *
     * @param limitName the limit, as named in {@link CodecLimits} (for example {@code maxElements})
     * @param declared the amount the input declared (read as unsigned if negative)
     * @param limit the bound it exceeds
     * @param offset where the declaration was read, or -1 if unknown
     */
    public LimitExceededException(String limitName, long declared, long limit, long offset) {
        super(limitName + " exceeded: declared " + Long.toUnsignedString(declared) + ", limit " + limit, offset,
                null);
        this.limitName = limitName;
        this.declared = declared;
        this.limit = limit;
    }

    /**
     * An exception for a limit reported by another component (such as Jackson), keeping its cause.
     *
     * @param limitName the limit, as named in {@link CodecLimits}
     * @param limit the bound
     * @param offset where, or -1 if unknown
     * @param cause the exception that reported it
     */
    public LimitExceededException(String limitName, long limit, long offset, Throwable cause) {
        super(limitName + " exceeded: limit " + limit + ": " + cause.getMessage(), offset, cause);
        this.limitName = limitName;
        this.declared = -1;
        this.limit = limit;
    }

    /**
     * The name of the limit, as in {@link CodecLimits}: {@code maxElements}, {@code maxDepth}, ...;
     * {@code maxCounter} for the counter bound.
     */
    public String limitName() {
        return limitName;
    }

    /** The amount declared by the input (unsigned), or -1 when not known. */
    public long declared() {
        return declared;
    }

    /** The bound that was exceeded. */
    public long limit() {
        return limit;
    }
}
