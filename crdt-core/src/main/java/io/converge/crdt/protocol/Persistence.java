package io.converge.crdt.protocol;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a {@link SyncDriver} makes its records durable. The driver calls {@link #persist} once
 * per step with all of that step's records (a group of local updates shares one call), from its
 * own thread, in sequence order. The returned future completes when the records are as durable
 * as the store's fsync policy promises; the driver releases the sends and completes the local
 * updates that depend on them only then, and only after every earlier call's future completed
 * (crdt.md §5, driver rule). Implementations run the I/O on their own thread, never the
 * driver's; a future that fails withholds every later send and completion.
 */
@FunctionalInterface
public interface Persistence {
    /** Nothing to persist: everything is acknowledged at once (an in-memory node). */
    Persistence NONE = records -> CompletableFuture.completedFuture(null);

    /** Persists {@code records}, in order. */
    CompletableFuture<Void> persist(List<Output.Persist> records);
}
