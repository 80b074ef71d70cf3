package io.converge.net.http;

import io.converge.crdt.ConvergeException;
import java.util.List;
import java.util.Objects;

/**
 * A read or write did not reach its consistency level in time: the API answers 504 and names the
 * acknowledgements. A write stays applied where it was applied and keeps spreading.
 */
final class ConsistencyTimeoutException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> acknowledged;
    private final int required;
    private final transient List<String> pending;

    /**
     * @param message for people
     * @param acknowledged the members that acknowledged (by name)
     * @param required how many acknowledgements the level needed
     * @param pending the members still awaited (by name)
     */
    ConsistencyTimeoutException(String message, List<String> acknowledged, int required, List<String> pending) {
        super(message);
        this.acknowledged = List.copyOf(Objects.requireNonNull(acknowledged, "acknowledged"));
        this.required = required;
        this.pending = List.copyOf(Objects.requireNonNull(pending, "pending"));
    }

    List<String> acknowledged() {
        return acknowledged;
    }

    int required() {
        return required;
    }

    List<String> pending() {
        return pending;
    }
}
