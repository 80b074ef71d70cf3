package io.converge.crdt.engine;

import io.converge.crdt.protocol.Output;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the driver makes a step's records durable. Called once per step with all its records, on
 * the sync loop, in sequence order; the future completes when they are as durable as the store
 * promises, and the driver releases what depends on them only then, after every earlier call's
 * future (crdt.md §5, driver rule). The work itself runs off the loop.
 */
@FunctionalInterface
interface Persistence {
    /** Nothing to persist: everything is acknowledged at once (an in-memory node). */
    Persistence NONE = records -> CompletableFuture.completedFuture(null);

    CompletableFuture<Void> persist(List<Output.Persist> records);
}
