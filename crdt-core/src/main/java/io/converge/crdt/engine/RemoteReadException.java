package io.converge.crdt.engine;

import io.converge.crdt.ConvergeException;
import io.converge.crdt.causal.ReplicaId;

/** A read of one key from a peer did not complete; the local state is unchanged by it. */
public final class RemoteReadException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    /** Why a read failed. */
    public enum Reason {
        /** No answer within the timeout. */
        TIMEOUT,
        /** The peer is not up (not admitted, or unreachable). */
        PEER_NOT_UP,
        /** The peer's state does not fit one message; it reaches us through anti-entropy. */
        TOO_LARGE,
        /** The peer holds another type under the key. */
        TYPE_MISMATCH,
        /** The replicator closed first. */
        CLOSED
    }

    private final Reason reason;

    /** A read of {@code key} from {@code peer} that failed for {@code reason}. */
    public RemoteReadException(String key, ReplicaId peer, Reason reason) {
        super("read of '" + key + "' from " + peer + " failed: " + reason);
        this.reason = reason;
    }

    /** Why it failed. */
    public Reason reason() {
        return reason;
    }
}
