/**
 * Not exported. The JGroups side of the transport: the stack built in code ({@code Stacks}), the
 * per-member bounded send queues ({@code Outbox}, which sends acks, nacks and heartbeats first and
 * out of band, told apart by {@code FrameKinds}) and the link that admits members and keeps
 * {@code Address <-> (ReplicaId, incarnation)} ({@code JGroupsLink}); discovery beyond static seeds
 * ({@code DiscoveryProtocols}: {@code DNS_PING} over the capped {@code DnsCandidates}, {@code MPING}).
 * Uses {@code admission}, JGroups, JNDI's DNS client and the engine SPI and codec of crdt-core.
 */
package io.converge.net.jgroups;
