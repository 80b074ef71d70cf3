package io.converge.net.cli;

import io.converge.net.ClusterNode;
import io.converge.net.ClusterSecret;
import io.converge.net.JGroupsTransport;
import io.converge.net.TlsCertificates;
import io.converge.net.http.NodeHttp;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.jgroups.protocols.DISCARD;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code crdt-node run}: one cluster node ({@link ClusterNode}) in the foreground: it finds its
 * peers through seeds, DNS or multicast, links to them over TCP with TLS (certificates derived
 * from the cluster secret, or the operator's own with {@code --tls-*}), keeps its data and replica
 * id in {@code --data-dir} if given, serves the HTTP API, and logs member events at INFO (the
 * node's own log, {@code io.converge.net.Membership}; see {@link CrdtNode#main} for the levels).
 *
 * <p><b>Stopping.</b> SIGTERM (or Ctrl-C) leaves gracefully: the HTTP server stops, the node marks
 * itself leaving, hands its last writes to its peers, marks itself left (peers see {@code left},
 * not unreachable) and closes. A shutdown hook cannot choose the exit status, and a JVM ended by a
 * signal exits with 128 + the signal; since a graceful leave is this command's normal end, the
 * hook ends the JVM itself once the leave is done, with {@link Runtime#halt} 0 (1 if closing
 * failed). The hook is the last thing that runs, so halting skips nothing of ours. SIGKILL is a
 * crash: peers find the node unreachable, and a restart on the same data directory is the same
 * replica, with every write it acknowledged.
 *
 * <p><b>Fault injection</b> ({@code --fault-injection}, for tests and demos): a JGroups
 * {@code DISCARD} sits above the transport, switched by {@code POST /admin/partition} (see
 * docs/http-api.md); without the flag neither exists.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs one node in the foreground until SIGTERM, which leaves the cluster gracefully (exit 0).")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    CrdtNode root;

    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "This node's name for people (logs, /members), unique in the cluster (1 to 256 characters).")
    String name;

    @Option(names = "--bind", required = true, paramLabel = "HOST:PORT", converter = CrdtNode.HostPort.class,
            description = "Where the node listens for its peers (JGroups TCP).")
    InetSocketAddress bind;

    @Option(names = "--http", required = true, paramLabel = "HOST:PORT", converter = CrdtNode.HostPort.class,
            description = "Where the HTTP API listens. Off loopback it needs --http-token-file.")
    InetSocketAddress http;

    @Option(names = "--seeds", split = ",", paramLabel = "HOST:PORT", converter = CrdtNode.HostPort.class,
            description = "Peers to ask for the cluster (this node may be one of them).")
    List<InetSocketAddress> seeds = List.of();

    @Option(names = "--dns", paramLabel = "NAME",
            description = "Finds peers by the A/AAAA records of a DNS name (polled), on the --bind port.")
    Optional<String> dns;

    @Option(names = "--dns-server", paramLabel = "HOST:PORT", converter = CrdtNode.HostPort.class,
            description = "The DNS server to ask for --dns (default: the system's).")
    Optional<InetSocketAddress> dnsServer;

    @Option(names = "--multicast", paramLabel = "GROUP:PORT", converter = CrdtNode.HostPort.class,
            description = "Finds peers by IP multicast on an administratively scoped group (239.x.x.x).")
    Optional<InetSocketAddress> multicast;

    @Option(names = "--secret-file", required = true, paramLabel = "FILE",
            description = "The cluster secret: Base64 of at least 32 random bytes (e.g. 'head -c 32 /dev/urandom | base64'); nodes with other secrets never join.")
    Path secretFile;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keeps this node's data and replica id here, so a restart (even after a crash) is the same replica with every acknowledged write.")
    Optional<Path> dataDir;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "This node's TLS certificate chain (PEM). With --tls-key and --tls-ca; default: certificates derived from the secret.")
    Optional<Path> tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "This node's TLS private key (PEM, PKCS#8).")
    Optional<Path> tlsKey;

    @Option(names = "--tls-ca", paramLabel = "FILE", description = "The CAs that sign the members' certificates (PEM).")
    Optional<Path> tlsCa;

    @Option(names = "--insecure-plaintext",
            description = "Runs the peer links without TLS: readable and alterable on the network. Only where the network encrypts already.")
    boolean insecurePlaintext;

    @Option(names = "--http-token-file", paramLabel = "FILE",
            description = "A bearer token (first line, at least 16 characters) every HTTP request must carry.")
    Optional<Path> httpTokenFile;

    @Option(names = "--fault-injection",
            description = "For tests and demos: lets POST /admin/partition cut this node off from chosen peers.")
    boolean faultInjection;

    @Override
    public Integer call() throws Exception {
        boolean anyTls = tlsCert.isPresent() || tlsKey.isPresent() || tlsCa.isPresent();
        if (anyTls && !(tlsCert.isPresent() && tlsKey.isPresent() && tlsCa.isPresent())) {
            throw new CrdtNode.UsageError("TLS needs all of --tls-cert, --tls-key and --tls-ca");
        }
        if (anyTls && insecurePlaintext) {
            throw new CrdtNode.UsageError("--insecure-plaintext and --tls-* exclude each other");
        }
        if (dnsServer.isPresent() && dns.isEmpty()) {
            throw new CrdtNode.UsageError("--dns-server needs --dns");
        }
        Optional<byte[]> token = Optional.empty();
        NodeHttp.Options httpOptions;
        try {
            if (httpTokenFile.isPresent()) {
                token = Optional.of(NodeHttp.readToken(httpTokenFile.get()));
            }
            httpOptions = NodeHttp.options(http, token);
        } catch (IOException e) {
            throw new CrdtNode.UsageError("--http-token-file: cannot read " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CrdtNode.UsageError(e.getMessage());
        }
        ClusterSecret secret;
        try {
            secret = ClusterSecret.fromFile(secretFile);
        } catch (IOException | IllegalArgumentException e) {
            throw new CrdtNode.UsageError("--secret-file: " + e.getMessage());
        }
        JGroupsTransport.Builder transport = JGroupsTransport.builder().secret(secret)
                .bind(bind.getAddress(), bind.getPort()).seeds(seeds);
        try {
            if (anyTls) {
                transport.tls(TlsCertificates.fromPem(tlsCert.get(), tlsKey.get(), tlsCa.get()));
            }
            if (dns.isPresent()) {
                transport.dns(dns.get());
            }
            if (dnsServer.isPresent()) {
                transport.dnsServer(dnsServer.get());
            }
            if (multicast.isPresent()) {
                transport.multicast(multicast.get().getAddress(), multicast.get().getPort());
            }
        } catch (IOException e) {
            throw new CrdtNode.UsageError("--tls-*: cannot read " + e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CrdtNode.UsageError(e.getMessage());
        }
        if (insecurePlaintext) {
            transport.insecurePlaintext();
            root.err.println("crdt-node: WARNING: --insecure-plaintext: the links to peers are not encrypted;"
                    + " anyone on the network path can read and alter the replicated data");
        }
        Optional<DISCARD> discard = Optional.empty();
        if (faultInjection) {
            DISCARD d = new DISCARD();
            discard = Optional.of(d);
            transport.stackCustomizer(stack -> {
                stack.add(1, d); // just above the transport: drops what a cut would
                return stack;
            });
            root.err.println("crdt-node: fault injection on: POST /admin/partition can cut this node off");
        }
        PrometheusMeterRegistry registry = NodeHttp.meterRegistry();
        ClusterNode.Builder builder = ClusterNode.builder().codecs(NodeHttp.codecs()).transport(transport)
                .meterRegistry(registry);
        try {
            builder.name(name);
        } catch (IllegalArgumentException e) {
            throw new CrdtNode.UsageError("--name: " + e.getMessage());
        }
        dataDir.ifPresent(builder::dataDirectory);
        ClusterNode node = builder.start();
        NodeHttp api;
        try {
            api = NodeHttp.start(node, name, registry, discard, httpOptions);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            int status = 0;
            try {
                root.out.printf("crdt-node %s: leaving%n", name);
                root.out.flush();
                api.close();
                node.close();
                root.out.printf("crdt-node %s: left%n", name);
            } catch (RuntimeException e) {
                root.err.println("crdt-node " + name + ": leaving failed: " + e);
                status = 1;
            } finally {
                root.out.flush();
                root.err.flush();
                stopped.countDown();
            }
            Runtime.getRuntime().halt(status); // see the class comment: a graceful leave is a normal end
        }, "crdt-node-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        root.out.printf("crdt-node %s: replica %s, peers on %s (%s), HTTP API on http://%s%n", name, node.self().name(),
                node.transport().localAddress().map(RunCommand::hostPort).orElse(hostPort(bind)),
                insecurePlaintext ? "plaintext" : "TLS", hostPort(api.address()));
        root.out.flush();
        stopped.await();
        return 0;
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
