package io.converge.net.jgroups;

import io.converge.net.admission.ClusterTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jgroups.JChannel;
import org.jgroups.stack.Protocol;

/**
 * Everything {@link JGroupsLink} needs, validated by {@code io.converge.net.JGroupsTransport.Builder}.
 *
 * @param authKeys admission keys, the one to prove with first, then any other accepted (rotation)
 * @param mainChannel null unless the link is a fork of a user's channel
 * @param tls the TLS of the TCP transport; empty in one JVM, on a fork (the main channel's stack
 *        decides) and when the operator opted out
 */
public record LinkConfig(String clusterName, List<byte[]> authKeys, boolean inJvm, InetAddress bindAddress,
        int bindPort, List<InetSocketAddress> seeds, Duration failureDetectionTimeout, Duration mergeInterval,
        Duration handshakeRetry, int maxQueuedFrames, long maxQueuedBytes, long incarnation,
        UnaryOperator<List<Protocol>> stackCustomizer, JChannel mainChannel, Optional<ClusterTls> tls) {
    public LinkConfig {
        authKeys = List.copyOf(authKeys);
        seeds = List.copyOf(seeds);
    }
}
