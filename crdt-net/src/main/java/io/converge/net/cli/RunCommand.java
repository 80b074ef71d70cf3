package io.converge.net.cli;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.store.StoreConfig;
import io.converge.net.ClusterSecret;
import io.converge.net.JGroupsTransport;
import io.converge.net.http.NodeHttp;
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
 * {@code crdt-node run}: one node in the foreground, replicating over JGroups TCP with the peers
 * it finds through its seeds, and serving the HTTP API. SIGTERM (or Ctrl-C) leaves gracefully:
 * the HTTP server stops, then the replicator hands its last writes to its peers and says goodbye;
 * the JVM then exits with 143 (128 + SIGTERM), as Java programs ended by a signal do.
 *
 * <p>Today a node is a {@link Replicator} over a {@link JGroupsTransport}; DNS and multicast
 * discovery and TLS are declared here and refused with a clear message until the cluster node
 * that implements them is wired in.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs one node in the foreground until SIGTERM.")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    CrdtNode root;

    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "This node's name: its replica id, unique in the cluster (1 to 64 characters).")
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

    @Option(names = "--dns", paramLabel = "NAME", description = "Finds peers by a DNS name (not available yet).")
    Optional<String> dns;

    @Option(names = "--dns-server", paramLabel = "HOST:PORT", converter = CrdtNode.HostPort.class,
            description = "The DNS server to ask for --dns (not available yet).")
    Optional<InetSocketAddress> dnsServer;

    @Option(names = "--multicast", paramLabel = "GROUP:PORT", converter = CrdtNode.HostPort.class,
            description = "Finds peers by IP multicast (not available yet).")
    Optional<InetSocketAddress> multicast;

    @Option(names = "--secret-file", required = true, paramLabel = "FILE",
            description = "The cluster secret: Base64 of at least 32 random bytes (e.g. 'head -c 32 /dev/urandom | base64'); nodes with other secrets never join.")
    Path secretFile;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keeps this node's data here, so a restart (even after a crash) keeps every acknowledged write.")
    Optional<Path> dataDir;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "This node's TLS certificate (not available yet).")
    Optional<Path> tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "This node's TLS private key (not available yet).")
    Optional<Path> tlsKey;

    @Option(names = "--tls-ca", paramLabel = "FILE", description = "The CA that signs the members' certificates (not available yet).")
    Optional<Path> tlsCa;

    @Option(names = "--insecure-plaintext",
            description = "Runs the peer links without TLS (required until TLS is available).")
    boolean insecurePlaintext;

    @Option(names = "--http-token-file", paramLabel = "FILE",
            description = "A bearer token (first line, at least 16 characters) every HTTP request must carry.")
    Optional<Path> httpTokenFile;

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
        if (anyTls || dns.isPresent() || multicast.isPresent()) {
            root.err.println("crdt-node: TLS, --dns and --multicast are not available in this build yet;"
                    + " run with --seeds and --insecure-plaintext");
            return 1;
        }
        if (!insecurePlaintext) {
            throw new CrdtNode.UsageError("TLS is not available in this build yet: pass --insecure-plaintext");
        }
        ReplicaId self;
        try {
            self = ReplicaId.of(name);
        } catch (IllegalArgumentException e) {
            throw new CrdtNode.UsageError("--name: " + e.getMessage());
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

        JGroupsTransport transport = JGroupsTransport.builder().secret(secret).bind(bind.getAddress(), bind.getPort())
                .seeds(seeds).build();
        ReplicatorConfig.Builder config = ReplicatorConfig.builder(self).transport(transport).codecs(NodeHttp.codecs());
        dataDir.ifPresent(d -> config.store(StoreConfig.builder(d).build()));
        Replicator replicator = Replicator.start(config.build());
        NodeHttp node;
        try {
            node = NodeHttp.start(replicator, httpOptions);
        } catch (RuntimeException e) {
            replicator.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            root.out.printf("crdt-node %s: leaving%n", self.name());
            node.close();
            replicator.close();
            root.out.printf("crdt-node %s: left%n", self.name());
            root.out.flush();
            stopped.countDown();
        }, "crdt-node-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        root.out.printf("crdt-node %s: peers on %s, HTTP API on http://%s%n", self.name(),
                transport.localAddress().map(InetSocketAddress::toString).orElse(bind.toString()),
                hostPort(node.address()));
        root.out.flush();
        stopped.await();
        return 0;
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
