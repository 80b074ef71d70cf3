/**
 * Data structures behind the types (persistent hash trie, per-key dot stores, digests) and the
 * bridge through which the codecs read them. Not exported: no compatibility promise. Uses only
 * {@code causal} (and the public type contract for digests).
 */
package io.converge.crdt.internal;
