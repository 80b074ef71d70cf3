/**
 * The anti-entropy protocol as a pure state machine ({@link io.converge.crdt.protocol.SyncMachine}:
 * inputs with a time, outputs of sends, changes and records; no threads, sockets or clocks), and
 * the one driver loop that runs it ({@link io.converge.crdt.protocol.SyncDriver}) over any
 * {@link io.converge.crdt.protocol.Transport} and {@link io.converge.crdt.protocol.Persistence}.
 * Thread model: the machine is confined to the driver's single thread; its reads are thread-safe.
 */
package io.converge.crdt.protocol;
