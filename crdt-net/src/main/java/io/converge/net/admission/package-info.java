/**
 * Not exported. The admission handshake as pure functions (frames, codec, MACs) and HKDF-SHA256.
 * No threads, no I/O; depends on {@code javax.crypto} and {@code ReplicaId} only.
 */
package io.converge.net.admission;
