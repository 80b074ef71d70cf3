/**
 * Not exported. The admission handshake as pure functions (frames, codec, MACs), HKDF-SHA256, and
 * the node's TLS: the cluster CA derived from the secret, the node's certificates, the JSSE context
 * ({@link io.converge.net.admission.ClusterTls}). No threads, no I/O; depends on the JDK's
 * {@code javax.crypto}, {@code java.security} and {@code javax.net.ssl}, and on {@code ReplicaId}.
 */
package io.converge.net.admission;
