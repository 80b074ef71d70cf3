/**
 * Converge's network layer on JGroups: {@link io.converge.net.JGroupsTransport}, the
 * {@link io.converge.crdt.engine.spi.FrameTransport} a {@code Replicator} runs over, its
 * {@link io.converge.net.ClusterSecret} and {@link io.converge.net.TransportStats}, and
 * {@link io.converge.net.ConvergeMetrics}, its Micrometer meters. The stack,
 * the sender threads and the admission handshake live in unexported packages.
 */
package io.converge.net;
