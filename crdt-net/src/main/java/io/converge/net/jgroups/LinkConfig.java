package io.converge.net.jgroups;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jgroups.JChannel;
import org.jgroups.stack.Protocol;

/**
 * Everything {@link JGroupsLink} needs, validated by {@code io.converge.net.JGroupsTransport.Builder}.
 *
 * @param authKeys admission keys, the one to prove with first, then any other accepted (rotation)
 * @param mainChannel null unless the link is a fork of a user's channel
 */
public record LinkConfig(String clusterName, List<byte[]> authKeys, boolean inJvm, InetAddress bindAddress,
        int bindPort, List<InetSocketAddress> seeds, Duration failureDetectionTimeout, Duration mergeInterval,
        Duration handshakeRetry, int maxQueuedFrames, long maxQueuedBytes, long incarnation,
        UnaryOperator<List<Protocol>> stackCustomizer, JChannel mainChannel) {
    public LinkConfig {
        authKeys = List.copyOf(authKeys);
        seeds = List.copyOf(seeds);
    }
}
