package io.converge.net.cli;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.converge.net.Await;
import io.converge.net.http.HttpCalls;
import io.converge.net.http.HttpCalls.Answer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code crdt-node run} as a child process of the test JVM (its class path), its output in a
 * file read by polling (a pipe read while the process exits can lose its tail), and a bounded HTTP
 * client for its API. {@link #close()} kills it (SIGKILL) if it still runs: call it in a finally.
 */
final class NodeProcess implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(45);
    private static final Pattern READY = Pattern.compile("peers on (\\S+) \\((?:TLS|plaintext)\\), HTTP API on http://(\\S+)");

    final String name;
    final Process process;
    final Path log;
    final String http;
    final String peers;

    private NodeProcess(String name, Process process, Path log, String http, String peers) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.http = http;
        this.peers = peers;
    }

    /** Writes a secret file of 32 random-looking bytes derived from {@code seed}. */
    static Path secret(Path dir, String fileName, String seed) throws IOException {
        byte[] b = new byte[32];
        byte[] s = seed.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (s[i % s.length] * 31 + i);
        }
        Path f = dir.resolve(fileName);
        Files.writeString(f, Base64.getEncoder().encodeToString(b));
        return f;
    }

    /** A TCP port of 127.0.0.1 free now (so nodes can name each other as seeds before they start). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts {@code crdt-node run --name NAME ARGS...} and waits (at most {@link #WAIT}) until it
     * says where it serves; its output goes to {@code dir/NAME-<n>.log}.
     */
    static NodeProcess start(Path dir, String name, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.net.preferIPv4Stack=true", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrdtNode.class.getName(), "run", "--name", name));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        Path log = dir.resolve(name + "-" + System.nanoTime() + ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            while (System.nanoTime() < deadline && p.isAlive()) {
                Matcher m = READY.matcher(Files.readString(log));
                if (m.find()) {
                    return new NodeProcess(name, p, log, m.group(2), m.group(1));
                }
                Thread.sleep(50);
            }
            throw new AssertionError(name + " never said it was ready (alive: " + p.isAlive() + "):\n"
                    + Files.readString(log));
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw e;
        }
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Answer send(String method, String pathAndQuery, String body) {
        return HttpCalls.send("http://" + http, method, pathAndQuery, body, Duration.ofSeconds(10));
    }

    Answer get(String path) {
        return send("GET", path, null);
    }

    Answer post(String path, String body) {
        return send("POST", path, body);
    }

    /** This node's view of the member named {@code other}, or null. */
    JsonNode member(String other) {
        for (JsonNode m : get("/members").json().get("members")) {
            if (m.get("name").asText().equals(other)) {
                return m;
            }
        }
        return null;
    }

    /** Polls {@code condition} every 50 ms for at most {@link #WAIT}; fails with {@code what} otherwise. */
    static void await(BooleanSupplier condition, Supplier<String> what) {
        Await.until(WAIT, Duration.ofMillis(50), condition, what);
    }

    /** SIGKILL: a crash. Waits (at most 10 s) until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            fail(name + " survived SIGKILL for 10 s");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
