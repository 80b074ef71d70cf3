/**
 * What other modules implement to run a {@link io.converge.crdt.engine.Replicator}: a
 * {@link io.converge.crdt.engine.spi.FrameTransport} (bytes to and from peers, peers admitted and
 * gone), a {@link io.converge.crdt.engine.spi.RecordStore} (records and snapshots as bytes) and a
 * {@link io.converge.crdt.engine.spi.Scheduler} (the sync loop, timers and blocking work).
 * Depends on {@code causal} and {@code protocol} only; no implementation lives here.
 */
package io.converge.crdt.engine.spi;
