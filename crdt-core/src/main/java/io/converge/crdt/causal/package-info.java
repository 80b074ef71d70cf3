/**
 * Causal building blocks: replica ids, dots, version vectors, causal contexts with dot clouds,
 * and hybrid logical clocks (crdt.md §2, §4). Immutable values except the clock, which is
 * thread-safe. Depends on nothing else in Converge.
 */
package io.converge.crdt.causal;
