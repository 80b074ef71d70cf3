package io.converge.net.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.net.http.HttpCalls.Answer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A replicator served by the HTTP API on a free loopback port, and a client for it: what the API
 * tests drive. Every request is bounded (5 s).
 */
final class ApiNode implements AutoCloseable {
    static final HttpClient CLIENT = HttpCalls.CLIENT;

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

    Answer send(String method, String pathAndQuery, String body, String... headers) {
        return sendTo(base, method, pathAndQuery, body, headers);
    }

    /** One server-sent event: its name and its data line. */
    record Event(String name, String data) {
    }

    /**
     * An open {@code /events} stream whose lines a daemon thread queues in {@code lines}; closing
     * it ends the stream (and the thread).
     */
    record EventStream(BlockingQueue<String> lines, HttpResponse<Stream<String>> response) implements AutoCloseable {
        /** Opens {@code base/events} (at most 5 s); fails the test unless it answers 200. */
        static EventStream open(String base) throws Exception {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/events")).GET().build();
            HttpResponse<Stream<String>> r = CLIENT.sendAsync(req, HttpResponse.BodyHandlers.ofLines())
                    .get(5, TimeUnit.SECONDS);
            if (r.statusCode() != 200) {
                r.body().close();
                throw new AssertionError("GET " + base + "/events answered " + r.statusCode());
            }
            Thread reader = new Thread(() -> {
                try {
                    r.body().forEach(lines::add);
                } catch (java.io.UncheckedIOException closedByTheTest) {
                    // the stream ends when the test closes it
                }
            }, "sse-reader");
            reader.setDaemon(true);
            reader.start();
            return new EventStream(lines, r);
        }

        /**
         * Reads lines for at most {@code wait} until an event {@code matches}; returns it, or fails
         * naming {@code what} and every line seen.
         */
        Event await(Duration wait, String what, Predicate<Event> matches) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            StringBuilder seen = new StringBuilder();
            String name = "";
            while (System.nanoTime() < deadline) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    break;
                }
                seen.append(line).append('\n');
                if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    Event e = new Event(name, line.substring(6));
                    if (matches.test(e)) {
                        return e;
                    }
                }
            }
            throw new AssertionError("no " + what + " within " + wait + "; saw:\n" + seen);
        }

        @Override
        public void close() {
            response.body().close();
        }
    }

    /** {@code text} as JSON; fails the test if it is not. */
    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static Answer sendTo(String base, String method, String pathAndQuery, String body, String... headers) {
        return HttpCalls.send(base, method, pathAndQuery, body, Duration.ofSeconds(5), headers);
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
