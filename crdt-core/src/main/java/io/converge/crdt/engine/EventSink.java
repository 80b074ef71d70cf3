package io.converge.crdt.engine;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands {@link ReplicatorEvent}s to the user's listener on the listener executor, in order, so
 * neither the sync loop nor the store thread ever runs user code. Thread-safe.
 */
final class EventSink {
    private static final Logger LOG = LoggerFactory.getLogger(EventSink.class);

    /** Drops every event: for tests of the parts alone. */
    static final EventSink NONE = new EventSink(Runnable::run, e -> { });

    private final Executor executor;
    private final Consumer<ReplicatorEvent> listener;

    EventSink(Executor executor, Consumer<ReplicatorEvent> listener) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    void publish(ReplicatorEvent event) {
        Objects.requireNonNull(event, "event");
        try {
            executor.execute(() -> deliver(event));
        } catch (RejectedExecutionException e) {
            // The replicator is closing and its listener executor is gone: the event was logged
            // where it happened and counted; nobody is left to tell.
            LOG.debug("event not delivered, listener executor stopped: {}", event);
        }
    }

    private void deliver(ReplicatorEvent event) {
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            LOG.warn("event listener threw on {}", event, e);
        }
    }
}
