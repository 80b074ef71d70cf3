package io.converge.net.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CrdtNodeTest {
    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CrdtNode.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void demoConvergesForSeveralSeeds() {
        for (int seed = 0; seed < 3; seed++) {
            String[] r = run("demo", "--seed", String.valueOf(seed));
            assertEquals("0", r[0], r[1]);
            assertTrue(r[1].contains("every node holds the same map."), r[1]);
        }
    }

    @Test
    void theDemoShowsLastWriterWinsAndRemovesAcrossAPartition() {
        String[] r = run("demo");
        String healed = r[1].substring(r[1].indexOf("The partition heals."));
        assertTrue(healed.contains("cart:alice=3 apples"), healed);
        assertTrue(healed.contains("cart:bob=2 pears"), healed);
        assertTrue(!healed.contains("cart:carol"), healed);

    }

    @Test
    void unknownCommandsPrintUsageAndFail() {
        String[] r = run("frobnicate");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("usage: crdt-node demo"));
        assertEquals("2", run("demo", "--seed", "x")[0]);
    }
}
