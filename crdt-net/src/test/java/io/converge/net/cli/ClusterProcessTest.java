package io.converge.net.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.converge.net.http.HttpCalls;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crdt-node run} nodes as real processes over real TCP with TLS: partitioned through the
 * fault-injection endpoint they see each other unreachable, diverge, refuse majority writes (504),
 * heal and converge, and one stopped by SIGTERM is seen to have left; a node restarted after SIGKILL on its data directory keeps every write it
 * acknowledged; nodes with different secrets never share a key. Every wait is bounded and every
 * child is killed in a finally.
 */
class ClusterProcessTest {

    private static String value(NodeProcess n, String counter) {
        return n.get("/counters/" + counter).body();
    }

    @Test
    void partitionedNodesSeeEachOtherUnreachableDivergeTimeOutAtMajorityThenHealAndConverge(@TempDir Path dir)
            throws Exception {
        Path secret = NodeProcess.secret(dir, "secret", "partition");
        String seeds = "127.0.0.1:" + NodeProcess.freePort() + ",127.0.0.1:" + NodeProcess.freePort();
        String[] ports = seeds.split(",");
        try (NodeProcess a = NodeProcess.start(dir, "a", "--bind", ports[0], "--http", "127.0.0.1:0", "--seeds", seeds,
                "--secret-file", secret.toString(), "--fault-injection");
                NodeProcess b = NodeProcess.start(dir, "b", "--bind", ports[1], "--http", "127.0.0.1:0", "--seeds", seeds,
                        "--secret-file", secret.toString(), "--fault-injection")) {
            for (NodeProcess[] pair : new NodeProcess[][] {{a, b}, {b, a}}) {
                NodeProcess.await(() -> {
                    JsonNode m = pair[0].member(pair[1].name);
                    return m != null && m.get("status").asText().equals("up") && m.get("reachable").asBoolean();
                }, () -> pair[0].name + " sees " + pair[1].name + " up: " + pair[0].get("/members").body()
                        + "\n" + pair[0].output());
            }
            assertEquals(200, a.post("/counters/x?consistency=all&timeout_ms=10000", "{\"delta\": 1}").status());
            assertEquals("{\"value\":1}", value(b, "x"), "acknowledged by all: b holds it");

            // The cut: each side drops the other (by name on one side, by address on the other).
            HttpCalls.Answer cut = a.post("/admin/partition", "{\"drop\": [\"b\"]}");
            assertEquals(200, cut.status(), cut.body());
            assertEquals("{\"dropped\":[\"b\"]}", cut.body());
            assertEquals(200, b.post("/admin/partition", "{\"drop\": [\"" + a.peers + "\"]}").status());
            assertEquals(400, a.post("/admin/partition", "{\"drop\": [\"nobody\"]}").status(), "an unknown member");
            for (NodeProcess[] pair : new NodeProcess[][] {{a, b}, {b, a}}) {
                NodeProcess.await(() -> !pair[0].member(pair[1].name).get("reachable").asBoolean(),
                        () -> pair[0].name + " finds " + pair[1].name + " unreachable: " + pair[0].get("/members").body());
            }
            assertEquals(200, a.post("/counters/x", "{\"delta\": 10}").status());
            assertEquals(200, b.post("/counters/x", "{\"delta\": 100}").status());
            HttpCalls.Answer majority = a.post("/counters/x?consistency=majority&timeout_ms=500", "{\"delta\": 1000}");
            assertEquals(504, majority.status(), majority.body());
            assertEquals("[\"a\"]", majority.json().get("acknowledged").toString());
            assertEquals("[\"b\"]", majority.json().get("pending").toString());
            assertEquals(2, majority.json().get("required").asInt());
            // Diverged: each side holds its own writes only (the timed-out one stays applied on a).
            assertEquals("{\"value\":1011}", value(a, "x"));
            assertEquals("{\"value\":101}", value(b, "x"));

            assertEquals("{\"dropped\":[]}", a.post("/admin/partition", "{\"drop\": []}").body());
            assertEquals("{\"dropped\":[]}", b.post("/admin/partition", "{\"drop\": []}").body());
            for (NodeProcess n : new NodeProcess[] {a, b}) {
                NodeProcess.await(() -> value(n, "x").equals("{\"value\":1111}"),
                        () -> n.name + " converged after the heal: " + value(n, "x") + " " + n.get("/members").body());
            }
            NodeProcess.await(() -> a.member("b").get("reachable").asBoolean(), () -> "a reaches b again");
            assertEquals(200, a.post("/counters/x?consistency=majority&timeout_ms=10000", "{\"delta\": 1}").status());

            // SIGTERM: b leaves gracefully, a sees it left (not unreachable), and b exits 0.
            b.process.destroy();
            assertTrue(b.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "b stopped within 30 s of SIGTERM");
            assertEquals(0, b.process.exitValue(), b.output());
            NodeProcess.await(() -> a.member("b").get("status").asText().equals("left"),
                    () -> "a sees b left: " + a.get("/members").body());
            assertEquals(200, a.post("/counters/x?consistency=all&timeout_ms=5000", "{\"delta\": 1}").status(),
                    "a member that left no longer counts");
        }
    }

    @Test
    void aNodeRestartedAfterSigkillOnItsDataDirectoryKeepsEveryAcknowledgedWrite(@TempDir Path dir) throws Exception {
        Path secret = NodeProcess.secret(dir, "secret", "restart");
        String[] args = {"--bind", "127.0.0.1:0", "--http", "127.0.0.1:0", "--secret-file", secret.toString(),
            "--data-dir", dir.resolve("data").toString()};
        int n = 40;
        String id;
        try (NodeProcess first = NodeProcess.start(dir, "kyoto", args)) {
            id = first.member("kyoto").get("id").asText();
            for (int i = 0; i < n; i++) {
                HttpCalls.Answer w = first.post("/counters/c" + i, "{\"delta\": " + (i + 1) + "}");
                assertEquals(200, w.status(), w.body()); // acknowledged: it must survive the crash
            }
            first.kill(); // SIGKILL: no goodbye, no flush beyond what each 200 promised
        }
        try (NodeProcess second = NodeProcess.start(dir, "kyoto", args)) {
            assertEquals(id, second.member("kyoto").get("id").asText(), "the same replica, kept in the data directory");
            for (int i = 0; i < n; i++) {
                assertEquals("{\"value\":" + (i + 1) + "}", value(second, "c" + i), "counter c" + i);
            }
            assertEquals(n, second.get("/status").json().get("keys").asInt());
        }
    }

    /**
     * With TLS (the default) the certificates derived from different secrets fail the handshake;
     * in plaintext the admission handshake refuses. Either way each node waits for evidence that
     * they met and were refused (JGroups' failed accept, or an AdmissionRefused member event),
     * then checks that neither holds the other's key nor lists it as a member.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "plaintext={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void nodesWithDifferentSecretsNeverSeeEachOthersKeys(boolean plaintext, @TempDir Path dir) throws Exception {
        String seeds = "127.0.0.1:" + NodeProcess.freePort() + ",127.0.0.1:" + NodeProcess.freePort();
        String[] ports = seeds.split(",");
        String mode = plaintext ? "--insecure-plaintext" : "--data-dir=" + dir.resolve("a-data");
        String modeB = plaintext ? "--insecure-plaintext" : "--data-dir=" + dir.resolve("b-data");
        try (NodeProcess a = NodeProcess.start(dir, "a", "--bind", ports[0], "--http", "127.0.0.1:0", "--seeds", seeds,
                "--secret-file", NodeProcess.secret(dir, "one", "first secret").toString(), mode);
                NodeProcess b = NodeProcess.start(dir, "b", "--bind", ports[1], "--http", "127.0.0.1:0", "--seeds", seeds,
                        "--secret-file", NodeProcess.secret(dir, "two", "second secret").toString(), modeB)) {
            assertEquals(200, a.post("/counters/mine-a", "{\"delta\": 1}").status());
            assertEquals(200, b.post("/counters/mine-b", "{\"delta\": 1}").status());
            // Evidence that they met and refused each other: with TLS, a rejected certificate
            // (counted by the trust manager, read from /metrics); in plaintext, the admission refusal.
            NodeProcess.await(() -> plaintext ? a.output().contains("AdmissionRefused") || b.output().contains("AdmissionRefused")
                    : tlsRejections(a) + tlsRejections(b) > 0,
                    () -> "the nodes met and refused each other:\n" + a.output() + "\n" + b.output());
            for (NodeProcess[] pair : new NodeProcess[][] {{a, b}, {b, a}}) {
                assertEquals("{\"value\":0}", value(pair[0], "mine-" + pair[1].name), pair[0].name);
                assertNotNull(pair[0].member(pair[0].name));
                assertTrue(pair[0].member(pair[1].name) == null, pair[0].get("/members").body());
                assertEquals(1, pair[0].get("/status").json().get("keys").asInt());
            }
            assertFalse(a.output().contains("mine-b") || b.output().contains("mine-a"));
        }
    }

    /** The node's count of peer certificates its TLS rejected, from its Prometheus page. */
    private static double tlsRejections(NodeProcess node) {
        return node.get("/metrics").body().lines().filter(l -> l.startsWith("converge_tls_certificates_rejected_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
