package io.converge.net.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.net.Await;
import io.converge.net.ClusterNode;
import io.converge.net.ClusterSecret;
import io.converge.net.JGroupsTransport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jgroups.protocols.DISCARD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API over two {@link ClusterNode}s on JGroups' in-JVM transport, each with a {@code DISCARD}
 * to cut it off: consistency levels from the member record, members with address and
 * reachability, every key's changes and member events on {@code /events}, Micrometer's metrics.
 */
class ClusterNodeBackendTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final String cluster = "http-" + UUID.randomUUID();
    private final ClusterSecret secret = ClusterSecret.random();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<String, DISCARD> discards = new HashMap<>();
    private String lisbon;
    private String osaka;

    @BeforeEach
    void start() {
        lisbon = node("lisbon");
        osaka = node("osaka");
        awaitMembers(lisbon, m -> m.get("status").asText().equals("up") && m.get("reachable").asBoolean(), 2);
        awaitMembers(osaka, m -> m.get("status").asText().equals("up") && m.get("reachable").asBoolean(), 2);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A cluster node named {@code name} served on a free loopback port; returns the API's base URL. */
    private String node(String name) {
        DISCARD discard = new DISCARD();
        PrometheusMeterRegistry registry = NodeHttp.meterRegistry();
        JGroupsTransport.Builder t = JGroupsTransport.builder().clusterName(cluster).secret(secret).inJvm()
                .failureDetectionTimeout(Duration.ofMillis(1500)).mergeInterval(Duration.ofMillis(1000))
                .stackCustomizer(stack -> {
                    stack.add(1, discard);
                    return stack;
                });
        ClusterNode n = ClusterNode.builder().name(name).codecs(NodeHttp.codecs()).transport(t).meterRegistry(registry)
                .sync(SyncConfig.builder().syncInterval(Duration.ofMillis(20)).ackTimeout(Duration.ofMillis(200))
                        .heartbeatInterval(Duration.ofMillis(300)).build())
                .shutdownTimeout(Duration.ofSeconds(4)).start();
        open.add(n);
        NodeHttp http = NodeHttp.start(n, name, registry,
                NodeHttp.options(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty()));
        open.add(http);
        discards.put(name, discard);
        return "http://127.0.0.1:" + http.address().getPort();
    }

    private static JsonNode members(String base) {
        return ApiNode.sendTo(base, "GET", "/members", null).json().get("members");
    }

    private static void awaitMembers(String base, Predicate<JsonNode> what, int n) {
        await(() -> {
            int count = 0;
            for (JsonNode m : members(base)) {
                count += what.test(m) ? 1 : 0;
            }
            return count == n;
        }, () -> "members of " + base + ": " + members(base));
    }

    private static void await(BooleanSupplier condition, Supplier<String> what) {
        Await.until(WAIT, Duration.ofMillis(20), condition, what);
    }

    /** Reads events (at most 30 s) until one named {@code event} has data matching {@code data}; returns the data. */
    private static JsonNode awaitData(ApiNode.EventStream s, String event, Predicate<JsonNode> data) throws Exception {
        return ApiNode.json(s.await(WAIT, "a " + event + " event as expected",
                e -> e.name().equals(event) && data.test(ApiNode.json(e.data()))).data());
    }

    @Test
    void membersShowIdNameAddressStatusAndReachability() {
        JsonNode m = members(lisbon);
        assertEquals(2, m.size(), m.toString());
        for (JsonNode x : m) {
            assertTrue(x.get("id").asText().length() > 0, x.toString());
            assertTrue(x.get("address").asText().contains(":"), "host:port, as the transport reports it: " + x);
            assertEquals("up", x.get("status").asText());
            assertTrue(x.get("reachable").asBoolean());
        }
        assertTrue(m.toString().contains("\"name\":\"lisbon\"") && m.toString().contains("\"name\":\"osaka\""), m.toString());
    }

    @Test
    void theStreamStartsWithTheMembersThenCarriesKeysWrittenOnlyElsewhere() throws Exception {
        // A write before the stream opens: its change must not come before the member snapshot.
        assertEquals(200, ApiNode.sendTo(osaka, "POST", "/counters/before", "{\"delta\": 1}").status());
        try (ApiNode.EventStream s = ApiNode.EventStream.open(osaka)) {
            assertEquals(": connected to osaka", s.lines().poll(5, TimeUnit.SECONDS));
            assertEquals("", s.lines().poll(5, TimeUnit.SECONDS));
            assertEquals("event: member", s.lines().poll(5, TimeUnit.SECONDS), "the snapshot comes first");
            String first = s.lines().poll(5, TimeUnit.SECONDS);
            assertTrue(first.startsWith("data: {\"event\":\"CurrentMembers\","), first);
            // lisbon writes a key osaka never used: osaka streams it all the same.
            assertEquals(200, ApiNode.sendTo(lisbon, "POST", "/counters/only-lisbon", "{\"delta\": 7}").status());
            JsonNode k = awaitData(s, "key", j -> j.get("key").asText().equals("only-lisbon"));
            assertEquals("{\"key\":\"only-lisbon\",\"type\":\"counter\",\"state\":{\"value\":7}}", k.toString());
        }
    }

    @Test
    void metricsAreMicrometersPrometheusText() {
        HttpCalls.Answer a = ApiNode.sendTo(lisbon, "GET", "/metrics", null);
        assertEquals(200, a.status());
        assertTrue(a.body().contains("converge_members{node=\"lisbon\",status=\"up\"} 2.0"), a.body());
    }

    @Test
    void aCutOffPeerMakesMajorityCallsTimeOutNamingItAndStreamsItsReachability() throws Exception {
        assertEquals(200, ApiNode.sendTo(lisbon, "POST", "/counters/c?consistency=majority&timeout_ms=5000",
                "{\"delta\": 1}").status());
        assertEquals("{\"value\":1}", ApiNode.sendTo(osaka, "GET", "/counters/c", null).body(),
                "a majority of two is both: osaka holds it");
        try (ApiNode.EventStream s = ApiNode.EventStream.open(lisbon)) {
            discards.get("osaka").discardAll(true);
            awaitData(s, "member", j -> j.get("event").asText().equals("MemberUnreachable")
                    && j.get("name").asText().equals("osaka") && !j.get("reachable").asBoolean());
            HttpCalls.Answer w = ApiNode.sendTo(lisbon, "POST", "/counters/c?consistency=majority&timeout_ms=300",
                    "{\"delta\": 1}");
            assertEquals(504, w.status(), w.body());
            assertEquals(2, w.json().get("required").asInt());
            assertEquals("[\"lisbon\"]", w.json().get("acknowledged").toString());
            assertEquals("[\"osaka\"]", w.json().get("pending").toString());
            HttpCalls.Answer r = ApiNode.sendTo(lisbon, "GET", "/counters/c?consistency=all&timeout_ms=300", null);
            assertEquals(504, r.status(), r.body());
            assertEquals("[\"osaka\"]", r.json().get("pending").toString());
            assertEquals("{\"value\":2}", ApiNode.sendTo(lisbon, "GET", "/counters/c", null).body(),
                    "the timed-out write stays applied");

            discards.get("osaka").discardAll(false);
            awaitData(s, "member", j -> j.get("name").asText().equals("osaka") && j.get("reachable").asBoolean());
            await(() -> ApiNode.sendTo(osaka, "GET", "/counters/c", null).body().equals("{\"value\":2}"),
                    () -> "osaka converged: " + ApiNode.sendTo(osaka, "GET", "/counters/c", null).body());
            HttpCalls.Answer healed = ApiNode.sendTo(lisbon, "GET", "/counters/c?consistency=all&timeout_ms=5000", null);
            assertEquals(200, healed.status(), healed.body());
        }
    }

    @Test
    void reservedKeysAreRefusedWith400() {
        HttpCalls.Answer a = ApiNode.sendTo(lisbon, "POST", "/counters/%24mine", "{\"delta\": 1}");
        assertEquals(400, a.status(), a.body());
    }
}
