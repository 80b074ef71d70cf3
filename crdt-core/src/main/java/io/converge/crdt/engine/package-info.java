/**
 * What applications use: a {@link io.converge.crdt.engine.Replicator} hosting many named,
 * typed CRDTs ({@link io.converge.crdt.engine.Key}), updated concurrently from any thread, with a
 * change feed for listeners. Runs the protocol through its driver; owns threads, so close it.
 */
package io.converge.crdt.engine;
