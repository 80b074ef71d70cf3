/**
 * Not exported. Consistency levels on top of anti-entropy ({@link io.converge.net.WriteConsistency},
 * {@link io.converge.net.ReadConsistency}): {@link io.converge.net.consistency.Quorums} counts
 * acknowledgements and answers through the {@code Replicator}'s hooks
 * ({@code updateTracked}, {@code awaitAcknowledged}, {@code readFrom}) against the members a
 * {@link io.converge.net.consistency.MemberView} counts. Depends on {@code io.converge.crdt.engine}
 * and {@code io.converge.net}'s public types only; owns at most one timer thread; never blocks.
 */
package io.converge.net.consistency;
