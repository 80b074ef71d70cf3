/**
 * A testkit for property-based convergence tests of Converge types and of user-defined ones:
 * jqwik arbitraries for operations, histories and simulator schedules; deterministic replay; a
 * convergence checker and a law checker; a deterministic simulator of real replicators on
 * simulated time, network and disks ({@link io.converge.crdt.testing.Simulator}); in-memory
 * network links. Needs jqwik on the test class path (an optional dependency of crdt-core), except
 * {@link io.converge.crdt.testing.InMemoryNetwork} and the simulator
 * ({@link io.converge.crdt.testing.Simulator}, {@link io.converge.crdt.testing.Schedule},
 * {@link io.converge.crdt.testing.SimulatedDisk}). May use every other package. The simulator is
 * single-threaded; the in-memory network is thread-safe.
 */
package io.converge.crdt.testing;
