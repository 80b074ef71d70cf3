package io.converge.net;

import io.converge.crdt.ConvergeException;
import java.util.Objects;

/**
 * A call whose consistency level asked to fail fast found fewer reachable members than it
 * requires, and failed at once. A write refused so applied nothing; a read returned nothing.
 * Reachability lags the network, so this can refuse a call that would have succeeded a moment
 * later: it is a hint for callers that prefer an early answer to waiting out the timeout.
 */
public final class NotEnoughReachableMembersException extends ConvergeException {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final int reachable;
    private final int required;

    /** Only {@code reachable} members (this node included) of the {@code required} were reachable for {@code key}. */
    public NotEnoughReachableMembersException(String key, int reachable, int required) {
        super("'" + Objects.requireNonNull(key, "key") + "': " + reachable + " members reachable, " + required
                + " required; nothing was done");
        this.key = key;
        this.reachable = reachable;
        this.required = required;
    }

    /** The key of the refused call. */
    public String key() {
        return key;
    }

    /** Members reachable at the call, this node included. */
    public int reachable() {
        return reachable;
    }

    /** Members the level required, this node included. */
    public int required() {
        return required;
    }
}
