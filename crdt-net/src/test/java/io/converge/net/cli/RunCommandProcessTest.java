package io.converge.net.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crdt-node run} as a real process (TLS on, the default): it serves the API, {@code status}
 * reads it, there is no fault-injection endpoint without the flag, and SIGTERM makes it leave
 * gracefully and exit 0. Every wait is bounded.
 */
class RunCommandProcessTest {
    private static final Pattern READY = Pattern.compile("HTTP API on http://(\\S+)");

    @Test
    void aNodeServesItsApiAndLeavesOnSigterm(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, java.util.Base64.getEncoder().encodeToString(
                "a test secret, 32 bytes or more.".getBytes(StandardCharsets.US_ASCII)));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.net.preferIPv4Stack=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), CrdtNode.class.getName(),
                "run", "--name", "tokyo", "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0",
                "--secret-file", secret.toString(), "--data-dir", dir.resolve("data").toString());
        pb.redirectErrorStream(true);
        // Output to a file, read by polling: a pipe read while the process exits can lose its tail.
        Path log = dir.resolve("node.log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            String http = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (http == null && System.nanoTime() < deadline && p.isAlive()) {
                Matcher m = READY.matcher(Files.readString(log));
                if (m.find()) {
                    http = m.group(1);
                } else {
                    Thread.sleep(50);
                }
            }
            String seen = Files.readString(log);
            assertTrue(http != null, "the node never said it was ready:\n" + seen);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> w = client.send(HttpRequest.newBuilder(URI.create("http://" + http + "/counters/c"))
                    .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("{\"delta\": 2}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, w.statusCode(), w.body());
            assertEquals("{\"value\":2}", w.body());

            String[] status = Cli.run("status", "--http", http);
            String table = status[1];
            assertEquals("0", status[0], table);
            assertTrue(table.contains("node tokyo at http://" + http + ": up, 1 keys"), table);
            assertTrue(List.of(table.split("\n")).stream()
                    .anyMatch(l -> l.matches("tokyo\\s+\\S+\\s+up\\s+yes\\s+-\\s+127\\.0\\.0\\.1:\\d+")), table);

            HttpResponse<String> admin = client.send(HttpRequest.newBuilder(URI.create("http://" + http + "/admin/partition"))
                    .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("{\"drop\": []}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, admin.statusCode(), "no fault injection without --fault-injection: " + admin.body());

            p.destroy(); // SIGTERM: leaves gracefully
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the node did not stop within 20 s of SIGTERM");
            assertEquals(0, p.exitValue(), "a graceful leave is a normal end");
            String rest = Files.readString(log);
            assertTrue(rest.contains("crdt-node tokyo: left"), "it left gracefully:\n" + rest);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
