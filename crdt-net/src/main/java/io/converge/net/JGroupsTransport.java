package io.converge.net;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.net.admission.Admission;
import io.converge.net.admission.ClusterTls;
import io.converge.net.jgroups.DiscoveryProtocols;
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
import java.util.regex.Pattern;
import org.jgroups.JChannel;
import org.jgroups.stack.Protocol;

/**
 * A {@link FrameTransport} over JGroups: give it to {@code ReplicatorConfig.builder(id).transport(..)}.
 * It joins the JGroups cluster {@link Builder#clusterName named} on start, admits each member by a
 * mutual HMAC challenge-response keyed by the {@link ClusterSecret} (sync.md §1), and only then
 * reports it up and carries its frames, one {@code BytesMessage} per frame. Over TCP every
 * connection is TLS 1.3 with mutual authentication by default, with nothing to configure: the
 * certificates come from a CA derived from the secret (see {@link Builder#tls},
 * {@link Builder#insecurePlaintext} and {@code docs/security.md}).
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
 * One peer's frames arrive in order (JGroups' regular unicast), except its acks, nacks and
 * heartbeats: told apart by the type byte at a fixed offset of the sync codec's frames (a peek, no
 * decode), they go first and {@code OOB}, unordered, so they never wait behind a large delta
 * (sync.md §1); transfers and deltas stay regular. Frames from a member that is not admitted,
 * or from an older incarnation of an admitted replica, are dropped and counted; a member that
 * fails admission gets nothing. A peer out of the view is reported
 * {@link io.converge.crdt.protocol.PeerDownReason#UNREACHABLE}; {@link #close} lets queued frames
 * (the engine's Goodbye) go out for at most a second, then leaves the JGroups cluster, and reports
 * nothing to its own engine. Each transport is one incarnation of its replica.
 *
 * <p>Members are found by static {@link Builder#seeds seeds}, {@link Builder#dns DNS} (A/AAAA or
 * {@link Builder#dnsSrv SRV}, polled) and {@link Builder#multicast multicast}, alone or combined;
 * see docs/discovery.md. A candidate is only a JGroups member until it passes admission.
 *
 * <p>Thread-safe. Owns a channel and threads (all daemon): a control thread and one sender per
 * member; the replicator closes it, or close it yourself.
 */
public final class JGroupsTransport implements FrameTransport {
    private static final AtomicLong LAST_INCARNATION = new AtomicLong();
    /** Letters, digits, hyphens and underscores (SRV labels), dot-separated; an optional final dot. */
    private static final Pattern DNS_NAME = Pattern.compile("([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\\.)*"
            + "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\\.?");
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
                c.droppedOutbound.get(), config.tls().map(ClusterTls::rejectedCertificates).orElse(0L));
    }

    /** For tests in this package: the protocols a start would stack (bottom first), not started. */
    List<Protocol> protocols() {
        return JGroupsLink.protocols(config);
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
        private TlsCertificates tlsCertificates;
        private boolean plaintext;
        private String dnsName;
        private boolean dnsSrv;
        private InetSocketAddress dnsServer;
        private Duration dnsPollInterval = Duration.ofSeconds(5);
        private InetSocketAddress multicast;

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
         * goes. With the derived TLS, the CAs of both secrets are trusted (the certificate shown is
         * the primary secret's). Default none.
         */
        public Builder alsoAccept(ClusterSecret previous) {
            this.alsoAccepted = Objects.requireNonNull(previous, "previous");
            return this;
        }

        /** TCP bind address and port; default the loopback address ({@code 127.0.0.1}, or {@code ::1} where the JVM prefers IPv6) and port 7800. Port 0 takes a port free at start (read it back with {@link #localAddress()}). */
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
         * The operator's certificates instead of the CA derived from the secret: this node shows
         * {@code certificates}' chain and accepts only peers whose chain ends at one of its CAs
         * (still mutual, TLS 1.3 only). The secret still admits members: with a CA shared with
         * other services, it is what keeps their holders out. Default: the derived CA, renewed in
         * memory, nothing to configure.
         *
         * @throws IllegalStateException if given twice, or with {@link #insecurePlaintext()}
         */
        public Builder tls(TlsCertificates certificates) {
            Objects.requireNonNull(certificates, "certificates");
            if (tlsCertificates != null || plaintext) {
                throw new IllegalStateException(
                        "TLS is already set: give tls(..) once, and not with insecurePlaintext()");
            }
            this.tlsCertificates = certificates;
            return this;
        }

        /**
         * Discovers members by DNS (JGroups' {@code DNS_PING}): the A and AAAA records of
         * {@code name}, each a candidate on this node's port (so every node binds the same port),
         * asked again at each discovery round (at most once per {@link #dnsPollInterval}). For a
         * Kubernetes headless service ({@code <svc>.<ns>.svc.cluster.local}) or Fly.io's
         * {@code <app>.internal}; see docs/discovery.md. At most 256 candidates per poll, a random
         * sample of a larger answer. Combines with {@link #seeds} and {@link #multicast}. Default
         * none; one DNS name per node.
         *
         * @throws IllegalArgumentException if {@code name} is not a DNS name
         * @throws IllegalStateException if a DNS name was already given
         */
        public Builder dns(String name) {
            return dnsName(name, false);
        }

        /**
         * Discovers members by the SRV records of {@code name}, e.g.
         * {@code _converge._tcp.<svc>.<ns>.svc.cluster.local}: each record's target (its A and
         * AAAA records) on the record's port, so nodes may use different ports. Otherwise as
         * {@link #dns}.
         *
         * @throws IllegalArgumentException if {@code name} is not a DNS name
         * @throws IllegalStateException if a DNS name was already given
         */
        public Builder dnsSrv(String name) {
            return dnsName(name, true);
        }

        private Builder dnsName(String name, boolean srv) {
            Objects.requireNonNull(name, "name");
            if (name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a DNS name: '" + name + "'");
            }
            if (dnsName != null) {
                throw new IllegalStateException("a DNS name was already given: " + dnsName);
            }
            this.dnsName = name;
            this.dnsSrv = srv;
            return this;
        }

        /**
         * Turns TLS off: frames then travel in clear text, readable and alterable on the path (the
         * admission handshake still keeps nodes without the secret from joining). Logs a warning at
         * every start. For a network that encrypts already, or a stack without JGroups' {@code TCP}
         * ({@link #stackCustomizer}). Default: TLS on.
         *
         * @throws IllegalStateException if {@link #tls} was given
         */
        public Builder insecurePlaintext() {
            if (tlsCertificates != null) {
                throw new IllegalStateException("tls(..) was given: insecurePlaintext() contradicts it");
            }
            this.plaintext = true;
            return this;
        }

        /**
         * The DNS server {@link #dns} and {@link #dnsSrv} ask, an IP address and port; default the
         * servers the system is configured with (then give fully qualified names: search domains
         * are not applied).
         *
         * @throws IllegalArgumentException if {@code server} is unresolved or its port is 0
         */
        public Builder dnsServer(InetSocketAddress server) {
            Objects.requireNonNull(server, "server");
            if (server.isUnresolved() || server.getPort() == 0) {
                throw new IllegalArgumentException("DNS server must be an IP address and a port, got " + server);
            }
            this.dnsServer = server;
            return this;
        }

        /**
         * How long a DNS answer is reused: JGroups asks at every join attempt and every
         * {@code MERGE3} round ({@link #mergeInterval}), the DNS server at most once per this
         * interval. A member that appears in DNS joins by itself at start; this interval bounds how
         * soon running members find one they missed (two halves started apart). Default 5 s; at
         * least 100 ms.
         */
        public Builder dnsPollInterval(Duration d) {
            this.dnsPollInterval = atLeast(d, 100, "DNS poll interval");
            return this;
        }

        /**
         * Discovers members by IP multicast (JGroups' {@code MPING}) on {@code group}, sent with a
         * TTL of 1 from the bind address's interface. Only administratively scoped groups:
         * IPv4 {@code 239.0.0.0/8} (use {@code 239.255.0.0/16}, RFC 2365), or IPv6 with at most
         * site-local scope ({@code ff01::} to {@code ff05::}). Cloud networks usually drop multicast:
         * use {@link #dns} there. Default off.
         *
         * @throws IllegalArgumentException if {@code group} is not such a group or {@code port} not in [1, 65535]
         */
        public Builder multicast(InetAddress group, int port) {
            Objects.requireNonNull(group, "group");
            byte[] a = group.getAddress();
            boolean scoped = a.length == 4 ? (a[0] & 0xff) == 239
                    : (a[0] & 0xff) == 0xff && (a[1] & 0x0f) >= 1 && (a[1] & 0x0f) <= 5;
            if (!scoped) {
                throw new IllegalArgumentException("multicast group must be administratively scoped (239.0.0.0/8,"
                        + " or IPv6 scope 1 to 5), got " + group.getHostAddress());
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be within [1, 65535], got " + port);
            }
            this.multicast = new InetSocketAddress(group, port);
            return this;
        }

        /**
         * Uses JGroups' {@code SHARED_LOOPBACK} instead of TCP: every transport of this JVM with the
         * same cluster name joins, no socket is opened (so no TLS either). For tests and demos;
         * default off.
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

        /** The longest gap between {@code MERGE3} gossips; a healed partition merges within about 2.5 times it. Default 2 s; at least 200 ms. */
        public Builder mergeInterval(Duration d) {
            this.mergeInterval = atLeast(d, 200, "merge interval");
            return this;
        }

        /** First retry of an unanswered admission hello (doubling up to 2 s); default 250 ms, at least 10 ms. */
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
         * made: to add a protocol ({@code DISCARD} in tests) or bring your own stack. Default:
         * none. The admission runs whatever the stack; TLS is set on the stack's bottom protocol
         * after this runs, which must then be JGroups' {@code TCP} unless {@link #insecurePlaintext()}.
         */
        public Builder stackCustomizer(UnaryOperator<List<Protocol>> customizer) {
            this.stackCustomizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * Runs on a {@code ForkChannel} of an existing, connected channel (Infinispan, WildFly,
         * Keycloak) instead of a channel of its own: {@code FORK} is added on top of its stack if
         * absent, the fork is named by the cluster name, and the stack settings here are ignored
         * (TLS too: the main channel's transport decides). Put {@code FORK} in the channel's
         * configuration on every member: one added when the transport starts exists only from
         * then on, and a member without it hands the frames of members that started earlier to
         * the application's receiver (a WARN says so).
         * Closing the transport closes only the fork. Default: own channel.
         */
        public Builder forkOf(JChannel main) {
            this.mainChannel = Objects.requireNonNull(main, "main");
            return this;
        }

        /**
         * Builds the transport (not started: the replicator starts it).
         *
         * @throws IllegalStateException if no secret was given, or DNS or multicast discovery with
         *     {@link #inJvm}
         */
        public JGroupsTransport build() {
            if (secret == null) {
                throw new IllegalStateException("a cluster secret is required");
            }
            DiscoveryProtocols discovery = new DiscoveryProtocols(Optional.ofNullable(dnsName), dnsSrv,
                    Optional.ofNullable(dnsServer), dnsPollInterval, Optional.ofNullable(multicast));
            if (inJvm && !discovery.isEmpty()) {
                throw new IllegalStateException("DNS and multicast discovery need TCP, not inJvm()");
            }
            UnaryOperator<List<Protocol>> custom = stackCustomizer;
            UnaryOperator<List<Protocol>> stack = discovery.isEmpty() ? custom
                    : protocols -> custom.apply(discovery.addTo(protocols));
            List<byte[]> keys = new ArrayList<>();
            keys.add(Admission.authKey(secret.bytes()));
            if (alsoAccepted != null) {
                keys.add(Admission.authKey(alsoAccepted.bytes()));
            }
            long inc = incarnation > 0 ? incarnation
                    : LAST_INCARNATION.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis() * 1000));
            Optional<ClusterTls> tls = Optional.empty();
            if (!inJvm && mainChannel == null && !plaintext) {
                TlsCertificates own = tlsCertificates;
                tls = Optional.of(own != null
                        ? ClusterTls.operator(own.chain(), own.key(), own.trustedCas())
                        : ClusterTls.derived(alsoAccepted == null ? List.of(secret.bytes())
                                : List.of(secret.bytes(), alsoAccepted.bytes())));
            }
            return new JGroupsTransport(new LinkConfig(clusterName, keys, inJvm, bindAddress, bindPort, seeds,
                    failureDetectionTimeout, mergeInterval, handshakeRetry, maxQueuedFrames, maxQueuedBytes, inc,
                    stack, mainChannel, tls));
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
