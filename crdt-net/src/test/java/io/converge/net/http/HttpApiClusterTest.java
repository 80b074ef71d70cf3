package io.converge.net.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.converge.crdt.testing.InMemoryNetwork;
import io.converge.net.Await;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two nodes over the in-memory network: consistency levels, timeouts, and the change stream. */
class HttpApiClusterTest {
    private InMemoryNetwork net;
    private ApiNode lisbon;
    private ApiNode osaka;

    @BeforeEach
    void start() throws InterruptedException {
        net = new InMemoryNetwork(7);
        lisbon = ApiNode.start("lisbon", net.transport(), b -> b);
        osaka = ApiNode.start("osaka", net.transport(), b -> b);
        awaitUp(lisbon, 2);
        awaitUp(osaka, 2);
    }

    @AfterEach
    void stop() {
        lisbon.close();
        osaka.close();
    }

    /** Waits (at most 10 s) until {@code node} lists {@code n} members up. */
    private static void awaitUp(ApiNode node, int n) {
        Await.until(Duration.ofSeconds(10), Duration.ofMillis(20), () -> {
            long up = 0;
            for (JsonNode x : node.get("/members").json().get("members")) {
                up += x.get("status").asText().equals("up") ? 1 : 0;
            }
            return up == n;
        }, () -> "members never all up: " + node.get("/members").body());
    }

    @Test
    void aWriteAtAllAnswersOnceThePeerHoldsIt() {
        HttpCalls.Answer a = lisbon.post("/counters/hits?consistency=all&timeout_ms=5000", "{\"delta\": 4}");
        assertEquals(200, a.status(), a.body());
        // Acknowledged means osaka joined the write: it reads it locally at once.
        assertEquals("{\"value\":4}", osaka.get("/counters/hits").body());
    }

    @Test
    void aWriteThatMissesItsLevelGets504NamingTheAcknowledgements() throws InterruptedException {
        net.partition(Set.of(osaka.replicator.self()));
        HttpCalls.Answer a = lisbon.post("/counters/hits?consistency=all&timeout_ms=300", "{\"delta\": 1}");
        assertEquals(504, a.status(), a.body());
        JsonNode j = a.json();
        assertEquals("timeout", j.get("error").asText());
        assertEquals(2, j.get("required").asInt());
        assertEquals("[\"lisbon\"]", j.get("acknowledged").toString());
        assertEquals("[\"osaka\"]", j.get("pending").toString());
        assertEquals(504, lisbon.post("/sets/s/add?consistency=majority&timeout_ms=200", "{\"element\": \"a\"}").status(),
                "a majority of two is both");
        assertEquals("{\"value\":1}", lisbon.get("/counters/hits").body(), "the write stays applied locally");
        net.heal();
        awaitValue(osaka, "/counters/hits", "{\"value\":1}");
    }

    private static void awaitValue(ApiNode node, String path, String body) {
        Await.until(Duration.ofSeconds(10), Duration.ofMillis(20), () -> node.get(path).body().equals(body),
                () -> path + " is not " + body + ": " + node.get(path).body());
    }

    @Test
    void theEventStreamCarriesLocalAndRemoteChanges() throws Exception {
        // osaka uses the key first, so its backend streams it (see ReplicatorBackend).
        assertEquals(200, osaka.post("/counters/hits", "{\"delta\": 1}").status());
        try (ApiNode.EventStream events = ApiNode.EventStream.open(osaka.base)) {
            assertTrue(events.response().headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
            BlockingQueue<String> lines = events.lines();
            assertEquals(": connected to osaka", lines.poll(5, TimeUnit.SECONDS));
            assertEquals("", lines.poll(5, TimeUnit.SECONDS));
            // A remote write: lisbon's change reaches osaka's stream.
            assertEquals(200, lisbon.post("/counters/hits", "{\"delta\": 2}").status());
            String data = awaitEvent(events, "{\"key\":\"hits\",\"type\":\"counter\",\"state\":{\"value\":3}}");
            assertTrue(data.contains("\"value\":3"), data);
            // A local write of a new key is streamed from its first write.
            assertEquals(200, osaka.send("PUT", "/maps/cfg/a", "{\"value\": [1]}").status());
            awaitEvent(events, "{\"key\":\"cfg\",\"type\":\"map\",\"state\":{\"entries\":{\"a\":[1]}}}");
        }
    }

    /** Reads events (at most 10 s) until one carries {@code json}, a {@code key} event; returns it. */
    private static String awaitEvent(ApiNode.EventStream events, String json) throws InterruptedException {
        ApiNode.Event e = events.await(Duration.ofSeconds(10), "event " + json, x -> x.data().equals(json));
        assertEquals("key", e.name());
        return e.data();
    }
}
