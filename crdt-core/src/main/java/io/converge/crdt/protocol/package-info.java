/**
 * The anti-entropy protocol as a pure, deterministic state machine
 * ({@link io.converge.crdt.protocol.SyncMachine}: inputs with a time, outputs of sends, changes and
 * records), with its {@link io.converge.crdt.protocol.Input}s, {@link io.converge.crdt.protocol.Output}s,
 * {@link io.converge.crdt.protocol.Message}s and {@link io.converge.crdt.protocol.SyncConfig}.
 * No threads, sockets, clocks or logging: depends on {@code io.converge.crdt}, {@code causal},
 * {@code internal} and {@code java.util} only. The engine's driver runs it; the machine is
 * confined to the driver's loop.
 */
package io.converge.crdt.protocol;
