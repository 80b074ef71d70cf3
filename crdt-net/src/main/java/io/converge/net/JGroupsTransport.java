package io.converge.net;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.net.admission.Admission;
import io.converge.net.jgroups.JGroupsLink;
import io.converge.net.jgroups.LinkConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.jgroups.JChannel;
import org.jgroups.stack.Protocol;

/**
 * A {@link FrameTransport} over JGroups: give it to {@code ReplicatorConfig.builder(id).transport(..)}.
 * It joins the JGroups cluster {@link Builder#clusterName named} on start, admits each member by a
 * mutual HMAC challenge-response keyed by the {@link ClusterSecret} (sync.md §1), and only then
 * reports it up and carries its frames, one {@code BytesMessage} per frame.
 *
 * <pre>{@code
 * JGroupsTransport t = JGroupsTransport.builder()
 *         .clusterName("carts").secret(ClusterSecret.fromEnv("CONVERGE_SECRET"))
 *         .bind(InetAddress.getByName("10.0.0.5"), 7800)
 *         .seeds("10.0.0.5:7800,10.0.0.6:7800").build();
 * try (Replicator r = Replicator.start(ReplicatorConfig.builder(id).transport(t).codecs(..).build())) { .. }
 * }</pre>
 *
 * <p><b>Guarantees.</b> {@link #send} never blocks: each peer has a bounded queue drained by its own
 * sender thread; a frame over the queue's caps, or to a peer not admitted, is dropped and counted.
 * One peer's frames arrive in order (JGroups' regular unicast, never {@code OOB}: the transport
 * does not decode frames to tell acks from transfers). Frames from a member that is not admitted,
 * or from an older incarnation of an admitted replica, are dropped and counted; a member that
 * fails admission gets nothing. A peer out of the view is reported
 * {@link io.converge.crdt.protocol.PeerDownReason#UNREACHABLE}; {@link #close} lets queued frames
 * (the engine's Goodbye) go out for at most a second, then leaves the JGroups cluster, and reports
 * nothing to its own engine. Each transport is one incarnation of its replica.
 *
 * <p>Thread-safe. Owns a channel and threads (all daemon): a control thread and one sender per
 * member; the replicator closes it, or close it yourself.
 */
public final class JGroupsTransport implements FrameTransport {
    private static final AtomicLong LAST_INCARNATION = new AtomicLong();
    private final LinkConfig config;
    private final JGroupsLink link;

    private JGroupsTransport(LinkConfig config) {
        this.config = config;
        this.link = new JGroupsLink(config);
    }

    /** A builder with the defaults documented on its setters. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Joins the cluster; returns once the channel is connected (admissions follow in the background).
     *
     * @throws TransportStartException if the channel cannot be built or connected
     */
    @Override
    public void start(ReplicaId self, FrameReceiver receiver) {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(receiver, "receiver");
        try {
            link.start(self, receiver);
        } catch (Exception e) {
            link.close();
            throw new TransportStartException("cannot join cluster " + config.clusterName() + ": " + e, e);
        }
    }

    @Override
    public void send(ReplicaId to, byte[] frame) {
        link.send(to, frame);
    }

    @Override
    public void close() {
        link.close();
    }

    /** The replicas admitted now (a snapshot). */
    public Set<ReplicaId> admittedPeers() {
        return link.admittedPeers();
    }

    /** This transport's incarnation of its replica. */
    public long incarnation() {
        return config.incarnation();
    }

    /** The TCP address this node listens on (give it to others as a seed); empty in one JVM or before start. */
    public Optional<InetSocketAddress> localAddress() {
        try {
            return link.physicalAddress();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The counters since start. */
    public TransportStats stats() {
        JGroupsLink.Counters c = link.counters();
        return new TransportStats(link.viewSize(), link.admittedPeers().size(), c.admitted.get(), c.refused.get(),
                c.refusedByPeers.get(), c.droppedUnadmitted.get(), c.droppedStale.get(), c.droppedOversize.get(),
                c.droppedRateLimited.get(), c.malformed.get(), c.framesIn.get(), c.framesOut.get(),
                c.droppedOutbound.get());
    }

    /** For {@link ClusterNode}: told each refused member's address once, on a JGroups thread; must not block. */
    void onAdmissionRefused(java.util.function.Consumer<String> listener) {
        link.onRefusal(listener);
    }

    /** For tests in this package: the JGroups address, for {@code DISCARD}. */
    org.jgroups.Address jgroupsAddress() {
        return link.address();
    }

    /** The transport could not join its cluster. */
    public static final class TransportStartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TransportStartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Builds a {@link JGroupsTransport}; each setter validates. Not thread-safe. */
    public static final class Builder {
        private String clusterName = "converge";
        private ClusterSecret secret;
        private ClusterSecret alsoAccepted;
        private boolean inJvm;
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int bindPort = 7800;
        private List<InetSocketAddress> seeds = List.of();
        private Duration failureDetectionTimeout = Duration.ofSeconds(3);
        private Duration mergeInterval = Duration.ofSeconds(2);
        private Duration handshakeRetry = Duration.ofMillis(250);
        private int maxQueuedFrames = 4096;
        private long maxQueuedBytes = 16L << 20;
        private long incarnation;
        private UnaryOperator<List<Protocol>> stackCustomizer = UnaryOperator.identity();
        private JChannel mainChannel;

        private Builder() {
        }

        /** The JGroups cluster to join, also bound into every admission MAC; default {@code "converge"}. */
        public Builder clusterName(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank() || name.length() > 200) {
                throw new IllegalArgumentException("cluster name must have 1 to 200 characters");
            }
            this.clusterName = name;
            return this;
        }

        /** The cluster secret; required. Admission MACs are made with it. */
        public Builder secret(ClusterSecret secret) {
            this.secret = Objects.requireNonNull(secret, "secret");
            return this;
        }

        /**
         * A second secret whose MACs are also accepted, for a rotation: first every node accepts
         * the new secret, then each switches to it while accepting the old one, then the old one
         * goes. Default none.
         */
        public Builder alsoAccept(ClusterSecret previous) {
            this.alsoAccepted = Objects.requireNonNull(previous, "previous");
            return this;
        }

        /** TCP bind address and port; default {@code 127.0.0.1:7800}. Port 0 takes a port free at start (read it back with {@link #localAddress()}). */
        public Builder bind(InetAddress address, int port) {
            Objects.requireNonNull(address, "address");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be within [0, 65535], got " + port);
            }
            this.bindAddress = address;
            this.bindPort = port;
            return this;
        }

        /** Static seeds for {@code TCPPING}: members to ask for the cluster (this node may be one); default none. */
        public Builder seeds(List<InetSocketAddress> seeds) {
            this.seeds = List.copyOf(Objects.requireNonNull(seeds, "seeds"));
            return this;
        }

        /**
         * Seeds as {@code host:port,host:port}.
         *
         * @throws IllegalArgumentException if an entry is not {@code host:port}
         */
        public Builder seeds(String seeds) {
            List<InetSocketAddress> out = new ArrayList<>();
            for (String s : Objects.requireNonNull(seeds, "seeds").split(",")) {
                String t = s.strip();
                if (t.isEmpty()) {
                    continue;
                }
                int colon = t.lastIndexOf(':');
                try {
                    int port = Integer.parseInt(t.substring(colon + 1));
                    String host = t.substring(0, colon).replace("[", "").replace("]", "");
                    out.add(new InetSocketAddress(host, port));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("seed must be host:port, got '" + t + "'");
                }
            }
            return seeds(out);
        }

        /**
         * Uses JGroups' {@code SHARED_LOOPBACK} instead of TCP: every transport of this JVM with the
         * same cluster name joins, no socket is opened. For tests and demos; default off.
         */
        public Builder inJvm() {
            this.inJvm = true;
            return this;
        }

        /**
         * How long a silent member may stay before it is suspected ({@code FD_ALL3}); it leaves the
         * view within about 1.5 times that (a killed process, whose sockets close, within about a
         * quarter of it plus a view change). Default 3 s; at least 300 ms.
         */
        public Builder failureDetectionTimeout(Duration d) {
            this.failureDetectionTimeout = atLeast(d, 300, "failure detection timeout");
            return this;
        }

        /** The longest gap between {@code MERGE3} gossips; a healed partition merges within about 2.5 times it. Default 2 s. */
        public Builder mergeInterval(Duration d) {
            this.mergeInterval = atLeast(d, 200, "merge interval");
            return this;
        }

        /** First retry of an unanswered admission hello (doubling up to 2 s); default 250 ms. */
        public Builder handshakeRetry(Duration d) {
            this.handshakeRetry = atLeast(d, 10, "handshake retry");
            return this;
        }

        /**
         * Caps of each peer's outbound queue; default 4096 frames and 16 MiB. At least 8 frames and
         * 4 KiB, so admission frames always fit.
         */
        public Builder maxQueued(int frames, long bytes) {
            if (frames < 8 || bytes < Admission.MAX_PRE_ADMISSION_BYTES) {
                throw new IllegalArgumentException("queue caps must be at least 8 frames and "
                        + Admission.MAX_PRE_ADMISSION_BYTES + " bytes, got " + frames + " and " + bytes);
            }
            this.maxQueuedFrames = frames;
            this.maxQueuedBytes = bytes;
            return this;
        }

        /**
         * This start's incarnation; must grow from one start of a replica to the next. Default: the
         * wall clock in microseconds, made strictly increasing within the JVM.
         */
        public Builder incarnation(long incarnation) {
            if (incarnation <= 0) {
                throw new IllegalArgumentException("incarnation must be positive");
            }
            this.incarnation = incarnation;
            return this;
        }

        /**
         * Edits or replaces the stack built in code (bottom protocol first) before the channel is
         * made: to add a protocol (TLS, {@code DISCARD} in tests) or bring your own stack. Default:
         * none. The admission runs whatever the stack.
         */
        public Builder stackCustomizer(UnaryOperator<List<Protocol>> customizer) {
            this.stackCustomizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * Runs on a {@code ForkChannel} of an existing, connected channel (Infinispan, WildFly,
         * Keycloak) instead of a channel of its own: {@code FORK} is added on top of its stack if
         * absent, the fork is named by the cluster name, and the stack settings here are ignored.
         * Closing the transport closes only the fork. Default: own channel.
         */
        public Builder forkOf(JChannel main) {
            this.mainChannel = Objects.requireNonNull(main, "main");
            return this;
        }

        /**
         * Builds the transport (not started: the replicator starts it).
         *
         * @throws IllegalStateException if no secret was given
         */
        public JGroupsTransport build() {
            if (secret == null) {
                throw new IllegalStateException("a cluster secret is required");
            }
            List<byte[]> keys = new ArrayList<>();
            keys.add(Admission.authKey(secret.bytes()));
            if (alsoAccepted != null) {
                keys.add(Admission.authKey(alsoAccepted.bytes()));
            }
            long inc = incarnation > 0 ? incarnation
                    : LAST_INCARNATION.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis() * 1000));
            return new JGroupsTransport(new LinkConfig(clusterName, keys, inJvm, bindAddress, bindPort, seeds,
                    failureDetectionTimeout, mergeInterval, handshakeRetry, maxQueuedFrames, maxQueuedBytes, inc,
                    stackCustomizer, mainChannel));
        }

        private static Duration atLeast(Duration d, long millis, String what) {
            Objects.requireNonNull(d, what);
            if (d.toMillis() < millis) {
                throw new IllegalArgumentException(what + " must be at least " + millis + " ms, got " + d);
            }
            return d;
        }
    }
}
