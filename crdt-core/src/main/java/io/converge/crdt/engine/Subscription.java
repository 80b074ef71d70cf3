package io.converge.crdt.engine;

/** A listener's registration; closing it stops delivery (idempotent). */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
