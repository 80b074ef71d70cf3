/**
 * Converge's network layer on JGroups: {@link io.converge.net.ClusterNode}, a replicator, its
 * transport and the cluster's member record built together (its {@link io.converge.net.Member}s,
 * {@link io.converge.net.MemberStatus}es and {@link io.converge.net.MemberEvent}s);
 * {@link io.converge.net.JGroupsTransport}, the
 * {@link io.converge.crdt.engine.spi.FrameTransport} a {@code Replicator} runs over, its
 * {@link io.converge.net.ClusterSecret} and {@link io.converge.net.TransportStats}. The stack,
 * the sender threads and the admission handshake live in unexported packages.
 */
package io.converge.net;
