/**
 * Converge's network layer on JGroups: {@link io.converge.net.ClusterNode}, a replicator, its
 * transport and the cluster's member record built together (its {@link io.converge.net.Member}s,
 * {@link io.converge.net.MemberStatus}es and {@link io.converge.net.MemberEvent}s);
 * {@link io.converge.net.JGroupsTransport}, the
 * {@link io.converge.crdt.engine.spi.FrameTransport} a {@code Replicator} runs over, its
 * {@link io.converge.net.ClusterSecret} and {@link io.converge.net.TransportStats};
 * {@link io.converge.net.ConvergeMetrics}, its Micrometer meters; the consistency levels
 * {@link io.converge.net.WriteConsistency} and {@link io.converge.net.ReadConsistency} with their
 * typed timeouts (implemented in the unexported {@code io.converge.net.consistency}). The stack,
 * the sender threads and the admission handshake live in unexported packages.
 */
package io.converge.net;
