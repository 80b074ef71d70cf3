package io.converge.net.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.net.DocPages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the {@code curl} examples of {@code docs/http-api.md}: every {@code sh} block, in order,
 * against one fresh cluster node named {@code lisbon} (as {@code crdt-node run} starts it: TCP on
 * loopback, TLS on), with {@code http://localhost:8080} replaced by the node's API address. Each
 * command is followed by a line {@code # STATUS BODY} that must match the answer exactly, once
 * the page's replica id and peer address ({@link #DOC_ID}, {@link #DOC_PEERS}) are replaced by the
 * node's. An {@code sh} block may hold nothing else, so the page cannot drift.
 */
class HttpApiDocTest {
    private static final String DOC_BASE = "http://localhost:8080";
    /** The replica id the page shows (a node's is random, kept in its data directory). */
    static final String DOC_ID = "Xq3cBvKz0mW9aT5uQ2hJrA";
    /** The peer address the page's node listens on. */
    static final String DOC_PEERS = "127.0.0.1:7800";

    /** One documented call and what it must answer. */
    record Example(String method, String url, String body, List<String> headers, int status, String expected,
            String line) {
    }

    static Path doc() {
        Path module = Path.of("").toAbsolutePath();
        for (Path p = module; p != null; p = p.getParent()) {
            Path d = p.resolve("docs").resolve("http-api.md");
            if (Files.isRegularFile(d)) {
                return d;
            }
        }
        throw new AssertionError("docs/http-api.md not found above " + module);
    }

    static List<Example> examples(List<String> lines) {
        List<Example> out = new ArrayList<>();
        boolean inSh = false;
        String command = null;
        for (String raw : lines) {
            String line = raw.trim();
            if (!inSh) {
                inSh = line.equals("```sh");
                continue;
            }
            if (line.equals("```")) {
                assertTrue(command == null, "a command without an expected answer: " + command);
                inSh = false;
            } else if (line.startsWith("curl ")) {
                assertTrue(command == null, "a command without an expected answer: " + command);
                command = line;
            } else if (line.startsWith("# ") && command != null) {
                String[] sb = line.substring(2).split(" ", 2);
                out.add(parse(command, Integer.parseInt(sb[0]), sb.length > 1 ? sb[1] : null));
                command = null;
            } else {
                throw new AssertionError("an sh block holds only curl commands, each followed by '# STATUS BODY': " + raw);
            }
        }
        return out;
    }

    private static Example parse(String command, int status, String expected) {
        List<String> words = words(command);
        String method = null;
        String url = null;
        String body = null;
        List<String> headers = new ArrayList<>();
        for (int i = 1; i < words.size(); i++) {
            String w = words.get(i);
            switch (w) {
                case "-s", "-N", "-sN" -> { }
                case "-X" -> method = words.get(++i);
                case "-d" -> body = words.get(++i);
                case "-H" -> {
                    String[] h = words.get(++i).split(":", 2);
                    headers.add(h[0].trim());
                    headers.add(h[1].trim());
                }
                default -> {
                    assertTrue(w.startsWith(DOC_BASE + "/"), "unexpected curl argument '" + w + "' in: " + command);
                    url = w;
                }
            }
        }
        assertTrue(url != null, "no URL in: " + command);
        if (method == null) {
            method = body == null ? "GET" : "POST"; // as curl does
        }
        return new Example(method, url, body, headers, status, expected, command);
    }

    /** The words of a command line, with '...' and "..." quoting as a shell reads them here. */
    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == ' ') {
                if (inWord) {
                    out.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        assertEquals(0, quote, "unbalanced quotes: " + s);
        if (inWord) {
            out.add(w.toString());
        }
        return out;
    }

    @Test
    void everyCurlExampleAnswersAsDocumented() throws IOException {
        List<Example> examples = examples(Files.readAllLines(doc()));
        assertTrue(examples.size() >= 20, "the page shows the API: " + examples.size() + " examples");
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry = NodeHttp.meterRegistry();
        try (io.converge.net.ClusterNode node = io.converge.net.ClusterNode.builder().name("lisbon")
                        .codecs(NodeHttp.codecs()).meterRegistry(registry)
                        .transport(io.converge.net.JGroupsTransport.builder().clusterName("doc-" + java.util.UUID.randomUUID())
                                .secret(io.converge.net.ClusterSecret.random())
                                .bind(java.net.InetAddress.getLoopbackAddress(), 0))
                        .start();
                NodeHttp http = NodeHttp.start(node, "lisbon", registry, NodeHttp.options(
                        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
                        java.util.Optional.empty()))) {
            String base = "http://127.0.0.1:" + http.address().getPort();
            java.net.InetSocketAddress peers = node.transport().localAddress().orElseThrow();
            String peerAddress = peers.getHostString() + ":" + peers.getPort();
            for (Example e : examples) {
                String path = e.url().substring(DOC_BASE.length());
                HttpCalls.Answer a = ApiNode.sendTo(base, e.method(), path, e.body(), e.headers().toArray(String[]::new));
                assertEquals(e.status(), a.status(), e.line() + "\n -> " + a.body());
                if (e.expected() != null) {
                    assertEquals(e.expected().replace(DOC_ID, node.self().name()).replace(DOC_PEERS, peerAddress),
                            a.body(), e.line());
                }
            }
        }
    }

    @Test
    void thePageLinksOnlyToFilesThatExist() throws IOException {
        DocPages.assertRelativeLinksResolve(doc());
    }
}
