package io.converge.crdt.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.engine.ReplicatorEvent;
import io.converge.crdt.store.LocalStore;
import io.converge.crdt.store.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java snippets of docs/reliability.md, compiled and run here. */
class ReliabilitySnippetsTest {
    private static final Path PAGE = PageSnippets.DOCS.resolve("reliability.md");

    @Test
    void pageSnippetsAreTheseTests() throws Exception {
        PageSnippets.assertEverySnippetIsIn(PAGE, 1, PageSnippets.HERE.resolve("ReliabilitySnippetsTest.java"));
    }

    @Test
    void anApplicationHearsWhatItMustActOn(@TempDir Path dir) throws Exception {
        List<String> alerts = new CopyOnWriteArrayList<>();
        Consumer<ReplicatorEvent> onEvent = event -> {
            if (event instanceof ReplicatorEvent.Recovered r && !r.report().clean()) {
                alerts.add("store damaged: " + r.report().summary());
            } else if (event instanceof ReplicatorEvent.ReplicaIdReused reused) {
                alerts.add("this replica id was used before; restart under a new one: " + reused.evidence());
            } else if (event instanceof ReplicatorEvent.LimitReached limit) {
                alerts.add(limit.peer() + " reached " + limit.limit() + ": " + limit.detail());
            }
        };
        Path dataDir = dir.resolve("node");
        ReplicatorConfig config = ReplicatorConfig.builder(LocalStore.replicaIdFor(dataDir))
                .store(StoreConfig.builder(dataDir).build())
                .eventListener(onEvent)
                .build();
        Key<ORSet<String>> cart = Key.of("cart", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));
        try (Replicator node = Replicator.start(config)) {
            node.update(cart, (set, ctx) -> set.add(ctx.self(), "milk"));
            assertTrue(node.recovery().orElseThrow().clean(), node.recovery().orElseThrow().summary());
        }
        // A crash in the middle of an append leaves a torn record at the end of the log: recovery
        // cuts it off, reports it, and loses nothing that was acknowledged.
        Path segment;
        try (var files = Files.list(dataDir.resolve("log"))) {
            segment = files.filter(f -> f.toString().endsWith(".log")).max(Path::compareTo).orElseThrow();
        }
        Files.write(segment, new byte[] {0, 0, 0, 42, 1, 2}, java.nio.file.StandardOpenOption.APPEND);
        try (Replicator node = Replicator.start(config)) {
            assertEquals(java.util.Set.of("milk"), node.get(cart).orElseThrow().value());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (alerts.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        assertEquals(1, alerts.size(), alerts.toString());
        assertTrue(alerts.get(0).startsWith("store damaged"), alerts.get(0));
    }
}
