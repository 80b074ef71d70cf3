/**
 * What applications use: a {@link io.converge.crdt.engine.Replicator} hosting many named, typed
 * CRDTs ({@link io.converge.crdt.engine.Key}), updated concurrently from any thread, with a change
 * feed for listeners and {@link io.converge.crdt.engine.SyncStats}. Package-private inside: the
 * driver that runs the protocol machine on a {@link io.converge.crdt.engine.spi.Scheduler}, the
 * frame stage (encoding and decoding with the codec limits), the read view published once per
 * step, and the glue to a {@link io.converge.crdt.engine.spi.RecordStore}. Owns threads unless
 * given a scheduler, so close it.
 */
package io.converge.crdt.engine;
