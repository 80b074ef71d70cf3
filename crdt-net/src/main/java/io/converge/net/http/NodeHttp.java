package io.converge.net.http;

import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.engine.Replicator;
import io.converge.net.ClusterNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.jgroups.protocols.DISCARD;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The HTTP API of one node, as the {@code crdt-node} program starts it: the entry point of this
 * (unexported) package for {@code io.converge.net.cli}. Owns the server and the backend, not the
 * replicator. Thread-safe; {@link #close()} is idempotent.
 */
public final class NodeHttp implements AutoCloseable {
    private final AutoCloseable backend;
    private final HttpApiServer server;

    private NodeHttp(AutoCloseable backend, HttpApiServer server) {
        this.backend = backend;
        this.server = server;
    }

    /** Checked server settings: where to listen and the token, other limits at their defaults. */
    public static final class Options {
        final HttpServerConfig config;

        private Options(HttpServerConfig config) {
            this.config = config;
        }
    }

    /**
     * Settings for listening on {@code bind}.
     *
     * @throws IllegalArgumentException if {@code bind} is not loopback and there is no token
     */
    public static Options options(InetSocketAddress bind, Optional<byte[]> token) {
        HttpServerConfig.Builder b = HttpServerConfig.builder().bind(bind);
        token.ifPresent(b::token);
        return new Options(b.build());
    }

    /**
     * The token in {@code file}: its first line, trimmed.
     *
     * @throws IllegalArgumentException if it has fewer than 16 characters
     */
    public static byte[] readToken(Path file) throws IOException {
        return HttpServerConfig.readToken(file);
    }

    /** A registry of the codecs of the API's three kinds of keys, for the node's replicator. */
    public static CodecRegistry codecs() {
        return CodecRegistry.of(HttpApi.COUNTER.codec().orElseThrow(), HttpApi.SET.codec().orElseThrow(),
                HttpApi.MAP.codec().orElseThrow());
    }

    /**
     * A registry for the node's meters: give it to {@code ClusterNode.Builder.meterRegistry}, then
     * to {@link #start(ClusterNode, String, PrometheusMeterRegistry, Options)}, which serves it at
     * {@code GET /metrics}.
     */
    public static PrometheusMeterRegistry meterRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /**
     * Serves {@code node}, named {@code name}, with {@code options}: consistency levels, members,
     * every key's changes and member events, and the meters of {@code registry} (the one the node
     * was built with).
     */
    public static NodeHttp start(ClusterNode node, String name, PrometheusMeterRegistry registry, Options options) {
        return start(node, name, registry, Optional.empty(), options);
    }

    /**
     * As {@link #start(ClusterNode, String, PrometheusMeterRegistry, Options)}, and with a
     * {@code discard} (the {@code DISCARD} protocol the node's stack holds) also serves
     * {@code POST /admin/partition}, which cuts the node off from chosen peers. For tests and the
     * demo: without it the path does not exist (404).
     */
    public static NodeHttp start(ClusterNode node, String name, PrometheusMeterRegistry registry,
            Optional<DISCARD> discard, Options options) {
        ClusterNodeBackend backend = new ClusterNodeBackend(node, name, registry,
                discard.map(d -> new DiscardFaults(node, d)));
        try {
            return start(backend, backend, options);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** Serves {@code replicator} with {@code options}. */
    public static NodeHttp start(Replicator replicator, Options options) {
        ReplicatorBackend backend = new ReplicatorBackend(replicator);
        return start(backend, backend, options);
    }

    /**
     * Serves any backend (the cluster node's adapter, in this package); {@code release} runs at
     * {@link #close()} after the server stopped.
     */
    static NodeHttp start(NodeBackend backend, AutoCloseable release, Options options) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(release, "release");
        Objects.requireNonNull(options, "options");
        return new NodeHttp(release, HttpApiServer.start(options.config, backend));
    }

    /** Where the server listens. */
    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        server.close();
        try {
            backend.close();
        } catch (Exception e) {
            throw new IllegalStateException("releasing the HTTP backend failed", e);
        }
    }
}
