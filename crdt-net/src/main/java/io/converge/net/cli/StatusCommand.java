package io.converge.net.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code crdt-node status}: asks a running node's HTTP API for its health and status and prints
 * its key count and a table of its members: status in the member record, whether the node reaches
 * each, and each peer's sync lag (deltas of this node it has not acknowledged). Every request is
 * bounded (3 s to connect, 5 s to answer).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows a running node's members (status, reachability, sync lag) and key count.")
final class StatusCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    CrdtNode root;

    @Option(names = "--http", required = true, paramLabel = "HOST:PORT", description = "The node's HTTP API.")
    String http;

    @Option(names = "--http-token-file", paramLabel = "FILE", description = "The node's bearer token, if it has one.")
    Optional<Path> tokenFile;

    @Override
    public Integer call() throws InterruptedException {
        InetSocketAddress a;
        try {
            a = CrdtNode.HostPort.parse(http);
        } catch (RuntimeException e) {
            throw new CrdtNode.UsageError("--http: " + e.getMessage());
        }
        String host = a.getAddress().getHostAddress();
        String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
        Optional<String> token = Optional.empty();
        if (tokenFile.isPresent()) {
            try {
                token = Optional.of(Files.readString(tokenFile.get(), StandardCharsets.UTF_8).lines().findFirst()
                        .orElse("").trim());
            } catch (IOException e) {
                throw new CrdtNode.UsageError("--http-token-file: cannot read " + e.getMessage());
            }
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        try {
            JsonNode health = get(client, base + "/health", token);
            JsonNode status = get(client, base + "/status", token);
            root.out.printf("node %s at %s: %s, %d keys%n", health.path("name").asText(), base,
                    health.path("status").asText(), status.path("keys").asLong());
            root.out.printf("%-20s %-24s %-10s %-11s %-8s %s%n", "MEMBER", "REPLICA", "STATUS", "REACHABLE", "LAG",
                    "ADDRESS");
            for (JsonNode m : status.path("members")) {
                root.out.printf("%-20s %-24s %-10s %-11s %-8s %s%n", m.path("name").asText(), m.path("id").asText(),
                        m.path("status").asText(), m.path("reachable").asBoolean() ? "yes" : "no",
                        m.has("lag") ? m.path("lag").asText() : "-",
                        m.path("address").asText().isEmpty() ? "-" : m.path("address").asText());
            }
            return 0;
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            root.err.println("crdt-node: cannot reach " + base + ": " + why);
            return 1;
        }
    }

    private static JsonNode get(HttpClient client, String url, Optional<String> token)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET();
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
