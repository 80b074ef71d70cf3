package io.converge.crdt.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.store.StoreConfig;
import io.converge.crdt.testing.InMemoryNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Java snippets of README.md, compiled and run here; the page and this file must not drift. */
class ReadmeSnippetsTest {
    private static final Path PAGE = Path.of("..", "README.md");

    @Test
    void valuesReturnDeltas() {
        ReplicaId me = ReplicaId.of("node-1");
        ORSet<String> cart = ORSet.empty();
        ORSet<String> delta = cart.add(me, "milk");   // mutators return a delta...
        cart = cart.join(delta);                      // ...joined here and on every peer, in any order
        assertEquals(Set.of("milk"), cart.value());
    }

    /** The README's replicator snippet, as it is; returns where it kept its data. */
    private static Path replicatorSnippet() throws IOException {
        Key<ORSet<String>> cart = Key.of("cart", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));
        InMemoryNetwork network = new InMemoryNetwork(1);            // in-memory links; crdt-net has JGroups
        Path dataDir = Files.createTempDirectory("converge");
        try (Replicator node = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("node-1"))
                .transport(network.transport())
                .store(StoreConfig.builder(dataDir).build())          // optional: durable, fsync ALWAYS
                .codecs(CodecRegistry.of(CrdtCodecs.orSet(ValueCodec.string())))
                .build())) {
            node.subscribe(cart, event -> System.out.println(event.changes()));
            node.update(cart, (set, r) -> set.add(r.self(), "milk"));
            Optional<ORSet<String>> now = node.get(cart);            // lock-free read
        }
        return dataDir;
    }

    @Test
    void aReplicatorKeepsItsValuesDurably() throws IOException {
        Path dataDir = replicatorSnippet();
        Key<ORSet<String>> cart = Key.of("cart", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));
        try (Replicator again = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("node-1"))
                .store(StoreConfig.builder(dataDir).build()).codecs(CodecRegistry.of(cart.codec().orElseThrow())).build())) {
            assertEquals(Set.of("milk"), again.get(cart).orElseThrow().value(), "recovered from the store");
        } finally {
            try (var files = Files.walk(dataDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void everyJavaSnippetOfTheReadmeIsCompiledHere() throws IOException {
        PageSnippets.assertEverySnippetIsIn(PAGE, 2, PageSnippets.HERE.resolve("ReadmeSnippetsTest.java"));
    }
}
