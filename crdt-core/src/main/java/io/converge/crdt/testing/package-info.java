/**
 * A testkit for property-based convergence tests of Converge types and of user-defined ones:
 * jqwik arbitraries for operations, histories and simulator schedules; deterministic replay; a
 * convergence checker and a law checker; a simulator of the real protocol machines; in-memory
 * network links. Needs jqwik on the test class path (an optional dependency of crdt-core), except
 * {@link io.converge.crdt.testing.InMemoryNetwork}. May use every other package.
 */
package io.converge.crdt.testing;
