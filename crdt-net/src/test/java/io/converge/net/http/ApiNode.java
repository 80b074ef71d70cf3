package io.converge.net.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.SyncConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A replicator served by the HTTP API on a free loopback port, and a client for it: what the API
 * tests drive. Every request is bounded (5 s).
 */
final class ApiNode implements AutoCloseable {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    final Replicator replicator;
    final ReplicatorBackend backend;
    final HttpApiServer server;
    final String base;

    /** A node named {@code name} alone (no transport). */
    static ApiNode start(String name) {
        return start(name, null, b -> b);
    }

    static ApiNode start(String name, FrameTransport transport, UnaryOperator<HttpServerConfig.Builder> server) {
        ReplicatorConfig.Builder c = ReplicatorConfig.builder(ReplicaId.of(name)).codecs(NodeHttp.codecs())
                .sync(SyncConfig.builder().syncInterval(Duration.ofMillis(20)).ackTimeout(Duration.ofMillis(100))
                        .heartbeatInterval(Duration.ofMillis(200)).build());
        if (transport != null) {
            c.transport(transport);
        }
        Replicator r = Replicator.start(c.build());
        HttpServerConfig config = server.apply(HttpServerConfig.builder()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))).build();
        return new ApiNode(r, config);
    }

    ApiNode(Replicator replicator, HttpServerConfig config) {
        this.replicator = replicator;
        this.backend = new ReplicatorBackend(replicator);
        this.server = HttpApiServer.start(config, backend);
        InetSocketAddress a = server.address();
        String host = a.getAddress().getHostAddress();
        this.base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** An answer: status, body text, headers. */
    record Answer(int status, String body, Map<String, java.util.List<String>> headers) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse("");
        }
    }

    Answer send(String method, String pathAndQuery, String body, String... headers) {
        return sendTo(base, method, pathAndQuery, body, headers);
    }

    static Answer sendTo(String base, String method, String pathAndQuery, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Answer get(String path) {
        return send("GET", path, null);
    }

    Answer post(String path, String body) {
        return send("POST", path, body);
    }

    int port() {
        return server.address().getPort();
    }

    @Override
    public void close() {
        server.close();
        backend.close();
        replicator.close();
    }
}
