package io.converge.net.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crdt-node run} as a real process: it serves the API, {@code status} reads it, and SIGTERM
 * makes it leave gracefully. Every wait is bounded.
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
                "--secret-file", secret.toString(), "--insecure-plaintext", "--data-dir", dir.resolve("data").toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(lines::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                // the process ended
            }
        }, "node-output");
        reader.setDaemon(true);
        reader.start();
        try {
            String http = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            StringBuilder seen = new StringBuilder();
            while (http == null && System.nanoTime() < deadline && (p.isAlive() || !lines.isEmpty())) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (line != null) {
                    seen.append(line).append('\n');
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        http = m.group(1);
                    }
                }
            }
            assertTrue(http != null, "the node never said it was ready:\n" + seen);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> w = client.send(HttpRequest.newBuilder(URI.create("http://" + http + "/counters/c"))
                    .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("{\"delta\": 2}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, w.statusCode(), w.body());
            assertEquals("{\"value\":2}", w.body());

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = CrdtNode.run(new String[] {"status", "--http", http}, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            String table = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, table);
            assertTrue(table.contains("node tokyo at http://" + http + ": up"), table);
            assertTrue(List.of(table.split("\n")).stream().anyMatch(l -> l.matches("tokyo\\s+up\\s+-")), table);

            p.destroy(); // SIGTERM: leaves gracefully
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the node did not stop within 20 s of SIGTERM");
            assertEquals(143, p.exitValue(), "128 + SIGTERM, after the shutdown hook ran");
            reader.join(5000); // the output ends with the process: read it all
            String rest = String.join("\n", lines);
            assertTrue(rest.contains("crdt-node tokyo: left"), "it left gracefully:\n" + rest);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
