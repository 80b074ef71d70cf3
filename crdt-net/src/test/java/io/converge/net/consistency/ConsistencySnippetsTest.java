package io.converge.net.consistency;

import static io.converge.net.consistency.Replicas.CART;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.converge.crdt.ORSet;
import io.converge.crdt.engine.Key;
import io.converge.net.ReadConsistency;
import io.converge.net.ReadTimeoutException;
import io.converge.net.WriteConsistency;
import io.converge.net.WriteTimeoutException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Java snippets of docs/consistency.md, compiled and run here. */
class ConsistencySnippetsTest {
    private static final Path PAGE = Path.of("..", "docs", "consistency.md");
    private static final Path HERE = Path.of("src", "test", "java", "io", "converge", "net", "consistency",
            "ConsistencySnippetsTest.java");

    @Test
    void pageSnippetsAreTheseTests() throws IOException {
        String here = normalize(read(HERE));
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(read(PAGE));
        List<String> missing = new ArrayList<>();
        int blocks = 0;
        while (m.find()) {
            blocks++;
            if (!here.contains(normalize(m.group(1)))) {
                missing.add(m.group(1));
            }
        }
        assertTrue(blocks >= 3, PAGE + " has " + blocks + " Java snippets");
        assertTrue(missing.isEmpty(), "snippets of " + PAGE + " not found here:\n" + String.join("\n---\n", missing));
    }

    @Test
    void levelsAndWhatTheyRequire() {
        WriteConsistency write = WriteConsistency.majority(Duration.ofSeconds(3)).minCap(3);
        ReadConsistency read = ReadConsistency.majority(Duration.ofSeconds(3)).minCap(3);
        // N = 4 members counted, reachable or not: a majority is 4 / 2 + 1 = 3.
        assertEquals(3, write.required(4));
        // N = 3: still 3 (minCap), which is all of them.
        assertEquals(3, read.required(3));
        // minCap never asks for more members than N.
        assertEquals(2, write.required(2));
    }

    @Test
    void aWriteTimeoutIsAResultNotARollback() throws Exception {
        try (Replicas rs = new Replicas(21, "a", "b", "c"); Quorums quorums = Quorums.create()) {
            rs.awaitMesh();
            rs.crash("b", "c");
            CompletableFuture<ORSet<String>> write = quorums.write(rs.get("a"), CART,
                    (cart, ctx) -> cart.add(ctx.self(), "milk"), WriteConsistency.majority(Duration.ofMillis(200)),
                    rs.view("a"));
            assertEquals("not confirmed by 1 more member(s): [b, c]", outcome(write));
            assertTrue(Replicas.holds(rs.get("a"), "milk"), "the write stays applied");
        }
    }

    static String outcome(CompletableFuture<ORSet<String>> write) throws Exception {
        try {
            write.get(10, TimeUnit.SECONDS);
            return "confirmed";
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WriteTimeoutException t) {
                // Applied here and still spreading; only the confirmation is missing.
                int missing = t.required() - t.acknowledged();
                return "not confirmed by " + missing + " more member(s): " + t.pendingPeers();
            }
            throw e;
        }
    }

    @Test
    void aReadTimeoutCarriesWhatThisNodeKnows() throws Exception {
        try (Replicas rs = new Replicas(22, "a", "b", "c"); Quorums quorums = Quorums.create()) {
            rs.awaitMesh();
            rs.get("a").update(CART, (cart, ctx) -> cart.add(ctx.self(), "jam"));
            rs.net.lossRate(1.0);
            CompletableFuture<Optional<ORSet<String>>> read = quorums.read(rs.get("a"), CART,
                    ReadConsistency.majority(Duration.ofMillis(200)), rs.view("a"));
            assertTrue(cartOrLocal(read, CART).orElseThrow().contains("jam"));
        }
    }

    static Optional<ORSet<String>> cartOrLocal(CompletableFuture<Optional<ORSet<String>>> read,
            Key<ORSet<String>> cart) throws Exception {
        try {
            return read.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ReadTimeoutException t) {
                // This node's state, already joined with whatever the peers that answered sent.
                return t.localValue(cart);
            }
            throw e;
        }
    }

    private static String read(Path p) throws IOException {
        if (!Files.exists(p)) {
            fail(p.toAbsolutePath() + " not found: run the tests from crdt-net");
        }
        return Files.readString(p);
    }

    /** Lines stripped of indentation, blank lines dropped, each closed by a newline. */
    private static String normalize(String s) {
        StringBuilder out = new StringBuilder("\n");
        for (String line : s.split("\n")) {
            if (!line.isBlank()) {
                out.append(line.strip()).append('\n');
            }
        }
        return out.toString();
    }
}
