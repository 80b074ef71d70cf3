/**
 * Not exported. The JGroups side of the transport: the stack built in code ({@code Stacks}), the
 * per-member bounded send queues ({@code Outbox}) and the link that admits members and keeps
 * {@code Address <-> (ReplicaId, incarnation)} ({@code JGroupsLink}). Uses {@code admission},
 * JGroups and the engine SPI of crdt-core.
 */
package io.converge.net.jgroups;
