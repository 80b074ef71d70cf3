package io.converge.net.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API's contract on one node: every route, every status, and bad input changing nothing. */
class HttpApiContractTest {
    private ApiNode node;

    @BeforeEach
    void start() {
        node = ApiNode.start("lisbon");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /** Everything the node holds under the keys these tests use, as the API shows it. */
    private String state() {
        StringBuilder b = new StringBuilder();
        for (String k : List.of("hits", "tags", "cfg")) {
            for (String kind : List.of("counters", "sets", "maps")) {
                HttpCalls.Answer a = node.get("/" + kind + "/" + k);
                b.append(kind).append('/').append(k).append('=').append(a.status()).append(a.body()).append('\n');
            }
        }
        return b.toString();
    }

    private void seed() {
        assertEquals(200, node.post("/counters/hits", "{\"delta\": 5}").status());
        assertEquals(200, node.post("/sets/tags/add", "{\"element\": \"red\"}").status());
        assertEquals(200, node.send("PUT", "/maps/cfg/size", "{\"value\": 3}").status());
    }

    @Test
    void healthNamesTheNode() {
        HttpCalls.Answer a = node.get("/health");
        assertEquals(200, a.status());
        assertEquals("{\"status\":\"up\",\"name\":\"lisbon\"}", a.body());
        assertTrue(a.header("content-type").startsWith("application/json"));
    }

    @Test
    void membersListThisNodeUp() {
        JsonNode m = node.get("/members").json().get("members");
        assertEquals(1, m.size());
        assertEquals("lisbon", m.get(0).get("name").asText());
        assertEquals("up", m.get(0).get("status").asText());
        assertTrue(m.get(0).has("address"));
    }

    @Test
    void metricsArePrometheusText() {
        seed();
        HttpCalls.Answer a = node.get("/metrics");
        assertEquals(200, a.status());
        assertTrue(a.header("content-type").startsWith("text/plain; version=0.0.4"), a.header("content-type"));
        assertTrue(a.body().contains("# TYPE converge_keys gauge\nconverge_keys 3\n"), a.body());
    }

    @Test
    void countersAddPositiveAndNegativeDeltas() {
        assertEquals("{\"value\":0}", node.get("/counters/hits").body());
        assertEquals("{\"value\":5}", node.post("/counters/hits", "{\"delta\": 5}").body());
        assertEquals("{\"value\":3}", node.post("/counters/hits?consistency=local&timeout_ms=1000", "{\"delta\": -2}").body());
        assertEquals("{\"value\":3}", node.get("/counters/hits?consistency=local").body());
    }

    @Test
    void setsAddAndRemoveElements() {
        assertEquals("{\"elements\":[]}", node.get("/sets/tags").body());
        node.post("/sets/tags/add", "{\"element\": \"red\"}");
        assertEquals("{\"elements\":[\"blue\",\"red\"]}", node.post("/sets/tags/add", "{\"element\": \"blue\"}").body());
        assertEquals("{\"elements\":[\"blue\"]}", node.post("/sets/tags/remove", "{\"element\": \"red\"}").body());
        assertEquals("{\"elements\":[\"blue\"]}", node.post("/sets/tags/remove", "{\"element\": \"absent\"}").body());
        assertEquals("{\"elements\":[\"blue\"]}", node.get("/sets/tags").body());
    }

    @Test
    void mapsHoldAnyJsonAsCanonicalText() {
        assertEquals("{\"entries\":{}}", node.get("/maps/cfg").body());
        node.send("PUT", "/maps/cfg/limits", "{\"value\": {\"b\": [1, 2.50, null], \"a\": true}}");
        node.send("PUT", "/maps/cfg/name", "{\"value\": \"x\"}");
        node.send("PUT", "/maps/cfg/gone", "{\"value\": 1}");
        assertEquals(200, node.send("DELETE", "/maps/cfg/gone", null).status());
        assertEquals(200, node.send("DELETE", "/maps/cfg/never-there", null).status());
        assertEquals("{\"entries\":{\"limits\":{\"a\":true,\"b\":[1,2.5,null]},\"name\":\"x\"}}", node.get("/maps/cfg").body());
        assertEquals("{\"a\":true,\"b\":[1,2.5,null]}",
                node.replicator.get(io.converge.crdt.engine.Key.of("cfg", HttpApi.MAP.bottom(), HttpApi.MAP.codec().orElseThrow()))
                        .orElseThrow().get("limits").orElseThrow(), "stored as canonical text, members sorted");
    }

    @Test
    void keysWithPercentEncodedNamesAreOneKey() {
        node.post("/counters/a%2Fb%20c", "{\"delta\": 1}");
        assertEquals("{\"value\":1}", node.get("/counters/a%2Fb%20c").body());
        assertEquals(404, node.get("/counters/a/b%20c").status());
    }

    @Test
    void badInputGets400AndChangesNothing() {
        seed();
        String before = state();
        String[][] cases = {
            {"POST", "/counters/hits", "{\"delta\": 1"},
            {"POST", "/counters/hits", "not json"},
            {"POST", "/counters/hits", ""},
            {"POST", "/counters/hits", "[1]"},
            {"POST", "/counters/hits", "{\"delta\": \"1\"}"},
            {"POST", "/counters/hits", "{\"delta\": 1.5}"},
            {"POST", "/counters/hits", "{\"delta\": 0}"},
            {"POST", "/counters/hits", "{\"delta\": 9223372036854775808}"},
            {"POST", "/counters/hits", "{\"delta\": 1, \"extra\": 2}"},
            {"POST", "/counters/hits", "{\"delta\": 1, \"delta\": 2}"},
            {"POST", "/counters/hits", "{\"delta\": 1} {}"},
            {"POST", "/counters/hits", "{\"other\": 1}"},
            {"POST", "/counters/hits?consistency=strong", "{\"delta\": 1}"},
            {"POST", "/counters/hits?consistency=local&consistency=all", "{\"delta\": 1}"},
            {"POST", "/counters/hits?timeout_ms=0", "{\"delta\": 1}"},
            {"POST", "/counters/hits?timeout_ms=-5", "{\"delta\": 1}"},
            {"POST", "/counters/hits?timeout_ms=600000", "{\"delta\": 1}"},
            {"POST", "/counters/hits?timeout_ms=soon", "{\"delta\": 1}"},
            {"POST", "/counters/hits?retries=3", "{\"delta\": 1}"},
            {"GET", "/counters/hits?consistency=quorum", null},
            {"GET", "/health?verbose=1", null},
            {"POST", "/sets/tags/add", "{\"element\": 7}"},
            {"POST", "/sets/tags/add", "{\"element\": null}"},
            {"POST", "/sets/tags/remove", "{\"element\": [\"red\"]}"},
            {"POST", "/sets/tags/add", "{\"element\": \"" + "x".repeat(Json.MAX_STRING + 1) + "\"}"},
            {"PUT", "/maps/cfg/size", "{}"},
            {"PUT", "/maps/cfg/size", "{\"value\": " + "[".repeat(Json.MAX_NESTING + 1) + "]".repeat(Json.MAX_NESTING + 1) + "}"},
            {"PUT", "/maps/cfg/size", "{\"value\": 1, \"value2\": 2}"},
            {"DELETE", "/maps/cfg/size", "{\"value\": 1}"},
            {"POST", "/counters/hits", "{\"delta\": 9223372036854775807}"},
            {"POST", "/counters/" + "k".repeat(HttpApi.MAX_NAME + 1), "{\"delta\": 1}"},
            {"POST", "/counters/bad%0Aname", "{\"delta\": 1}"},
        };
        for (String[] c : cases) {
            HttpCalls.Answer a = node.send(c[0], c[1], c[2]);
            String what = c[0] + " " + c[1].substring(0, Math.min(c[1].length(), 60)) + " "
                    + (c[2] == null ? "" : c[2].substring(0, Math.min(c[2].length(), 60)));
            assertEquals(400, a.status(), what + " -> " + a.body());
            assertEquals("bad_request", a.json().get("error").asText(), what);
            assertTrue(!a.json().get("message").asText().isEmpty(), what);
        }
        assertEquals(before, state());
    }

    @Test
    void aKeyUsedWithAnotherTypeGets409AndChangesNothing() {
        seed();
        String before = state();
        HttpCalls.Answer a = node.post("/sets/hits/add", "{\"element\": \"x\"}");
        assertEquals(409, a.status(), a.body());
        assertEquals("type_mismatch", a.json().get("error").asText());
        assertEquals(409, node.send("PUT", "/maps/tags/x", "{\"value\": 1}").status());
        assertEquals(409, node.post("/counters/cfg", "{\"delta\": 1}").status());
        assertEquals(409, node.get("/maps/hits").status());
        assertEquals(409, node.get("/counters/tags").status());
        assertEquals(before, state());
    }

    @Test
    void unknownPathsGet404AndOtherMethods405() {
        seed();
        String before = state();
        // "/" is the cluster page: POST there is a 405 (ClusterPageServedTest).
        for (String p : List.of("/nope", "//", "/counters", "/counters/", "/counters/hits/extra", "/sets/tags/clear",
                "/maps/cfg/a/b", "/health/")) {
            HttpCalls.Answer a = node.post(p, "{\"delta\": 1}");
            assertEquals(404, a.status(), p);
            assertEquals("not_found", a.json().get("error").asText());
        }
        HttpCalls.Answer a = node.send("DELETE", "/counters/hits", null);
        assertEquals(405, a.status());
        assertEquals("GET, POST", a.header("allow"));
        assertEquals(405, node.send("PUT", "/sets/tags/add", "{\"element\": \"x\"}").status());
        assertEquals(405, node.post("/health", "{}").status());
        assertEquals(405, node.get("/maps/cfg/size").status());
        assertEquals(before, state());
    }

    @Test
    void readsAboveLocalAreNotAvailableOnAReplicatorBackend() {
        HttpCalls.Answer a = node.get("/counters/hits?consistency=majority");
        assertEquals(501, a.status());
        assertEquals("consistency_unavailable", a.json().get("error").asText());
    }

    @Test
    void writesAtAllOnALoneNodeNeedOnlyItself() {
        assertEquals("{\"value\":1}", node.post("/counters/hits?consistency=all&timeout_ms=2000", "{\"delta\": 1}").body());
        assertEquals("{\"value\":2}", node.post("/counters/hits?consistency=majority", "{\"delta\": 1}").body());
    }

    @Test
    void bodiesOverTheLimitGet413AndChangeNothing() {
        seed();
        String before = state();
        String huge = "{\"element\": \"" + "x".repeat(70 * 1024) + "\"}";
        assertEquals(413, node.post("/sets/tags/add", huge).status());
        assertEquals(before, state());
    }

    @Test
    void oversizedRequestLinesAndHeadersAreRefused() throws IOException {
        assertEquals(414, raw("GET /counters/" + "k".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(431, raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(9000) + "\r\n\r\n"));
        assertEquals(400, raw("NONSENSE\r\n\r\n"));
        assertEquals(400, raw("POST /counters/%ZZ HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n{\"delta\": 1}"));
        assertEquals("{\"value\":0}", node.get("/counters/%25ZZ").body());
    }

    /** Sends {@code request} as bytes on a new connection and returns the status of the answer. */
    private int raw(String request) throws IOException {
        try (Socket s = new Socket(node.server.address().getAddress(), node.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String head = readHead(s.getInputStream());
            return Integer.parseInt(head.split(" ")[1]);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aRequestNotCompleteInTimeLosesItsConnection() throws IOException {
        try (ApiNode n = ApiNode.start("slow", null, b -> b.requestTimeout(java.time.Duration.ofMillis(300)))) {
            try (Socket s = new Socket(n.server.address().getAddress(), n.port())) {
                s.setSoTimeout(5000); // bounds the wait should the server never close
                OutputStream out = s.getOutputStream();
                out.write("POST /counters/c HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{\"delta\"".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals(-1, s.getInputStream().read(), "closed without an answer");
            }
            assertEquals("{\"value\":0}", n.get("/counters/c").body());
        }
    }

    @Test
    void aSilentConnectionIsClosed() throws IOException {
        try (ApiNode n = ApiNode.start("idle", null, b -> b.idleTimeout(java.time.Duration.ofMillis(300)))) {
            try (Socket s = new Socket(n.server.address().getAddress(), n.port())) {
                s.setSoTimeout(5000); // bounds the wait should the server never close
                s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                assertEquals("HTTP/1.1 200 OK", readHead(in).trim());
                while (in.read() != -1) {
                    // the rest of the answer, then the close
                }
            }
        }
    }

    @Test
    void connectionsOverTheLimitGet503() throws IOException {
        try (ApiNode n = ApiNode.start("busy", null, b -> b.maxConnections(1))) {
            try (Socket first = new Socket(n.server.address().getAddress(), n.port())) {
                first.setSoTimeout(5000);
                // An answer on the first connection proves the server counted it before the second.
                first.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("HTTP/1.1 200 OK", readHead(first.getInputStream()).trim());
                try (Socket second = new Socket(n.server.address().getAddress(), n.port())) {
                    second.setSoTimeout(5000);
                    assertEquals("HTTP/1.1 503 Service Unavailable", readHead(second.getInputStream()).trim());
                }
            }
            // Closing the first frees its slot: the server answers again (bounded retries, as the
            // server sees the close a moment after the client made it).
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline) {
                try (Socket third = new Socket(n.server.address().getAddress(), n.port())) {
                    third.setSoTimeout(5000);
                    third.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    status = Integer.parseInt(readHead(third.getInputStream()).split(" ")[1]);
                }
            }
            assertEquals(200, status);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        try (Socket s = new Socket(node.server.address().getAddress(), node.port())) {
            s.setSoTimeout(5000);
            StringBuilder req = new StringBuilder();
            for (int i = 1; i <= 40; i++) {
                req.append("POST /counters/p HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n{\"delta\": 1}");
            }
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            for (int i = 1; i <= 40; i++) {
                String body = "{\"value\":" + i + "}";
                String head;
                int length = -1;
                assertEquals("HTTP/1.1 200 OK", readHead(in).trim());
                while (!(head = readHead(in).trim()).isEmpty()) {
                    if (head.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(head.substring(15).trim());
                    }
                }
                assertEquals(body, new String(in.readNBytes(length), StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void aTokenIsRequiredOfEveryRequestAndWrongOnesChangeNothing() {
        byte[] token = "s3cret-token-0123456789".getBytes(StandardCharsets.UTF_8);
        // A token on loopback is optional, and enforced when given: the same code path as off loopback.
        try (ApiNode n = ApiNode.start("guarded", null, b -> b.token(token))) {
            assertEquals(200, n.send("POST", "/counters/c", "{\"delta\": 1}",
                    "Authorization", "Bearer s3cret-token-0123456789").status());
            for (String[] h : new String[][] {{}, {"Authorization", "Bearer wrong-token-0123456789"},
                    {"Authorization", "Bearer s3cret-token-012345678"}, {"Authorization", "Basic czNjcmV0"},
                    {"Authorization", "Bearer "}}) {
                HttpCalls.Answer a = n.send("POST", "/counters/c", "{\"delta\": 1}", h);
                assertEquals(401, a.status(), String.join(" ", h));
                assertEquals("unauthorized", a.json().get("error").asText());
                assertEquals("Bearer", a.header("www-authenticate"));
                assertEquals(401, n.send("GET", "/health", null, h).status());
                assertEquals(401, n.send("GET", "/nope", null, h).status(), "no path is revealed without the token");
                assertEquals(401, n.send("GET", "/events", null, h).status(), "no stream without the token");
            }
            assertEquals("{\"value\":1}", n.send("GET", "/counters/c", null,
                    "Authorization", "bearer s3cret-token-0123456789").body());
        }
    }

    @Test
    void bindingOffLoopbackNeedsAToken() {
        Optional<InetAddress> open = nonLoopbackAddress();
        InetAddress wildcard = new InetSocketAddress(0).getAddress();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HttpServerConfig.builder().bind(new InetSocketAddress(wildcard, 0)).build());
        assertTrue(e.getMessage().contains("needs a token file"), e.getMessage());
        Assumptions.assumeTrue(open.isPresent(), "this machine has no non-loopback address: only the wildcard was checked");
        assertThrows(IllegalArgumentException.class,
                () -> HttpServerConfig.builder().bind(new InetSocketAddress(open.get(), 0)).build());
        HttpServerConfig c = HttpServerConfig.builder().bind(new InetSocketAddress(open.get(), 0))
                .token("0123456789abcdef-token".getBytes(StandardCharsets.UTF_8)).build();
        try (ApiNode n = new ApiNode(io.converge.crdt.engine.Replicator.start(io.converge.crdt.engine.ReplicatorConfig
                .builder(io.converge.crdt.causal.ReplicaId.of("open")).codecs(NodeHttp.codecs()).build()), c)) {
            assertEquals(401, n.post("/counters/c", "{\"delta\": 1}").status());
            assertEquals("{\"value\":0}", n.send("GET", "/counters/c", null,
                    "Authorization", "Bearer 0123456789abcdef-token").body());
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() {
        try {
            for (NetworkInterface i : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!i.isUp() || i.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(i.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress()) {
                        return Optional.of(a);
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
