package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the engine: a real child JVM runs a durable replicator under
 * {@code FsyncPolicy.ALWAYS}, is killed with SIGKILL ({@code destroyForcibly()}) mid-stream,
 * twice, and every update it acknowledged must be there when the replica restarts on the same
 * directory.
 */
class ReplicatorCrashTest {
    @TempDir
    Path dir;

    /** Runs the child until it acknowledged {@code atLeast} more updates, then kills it. */
    private int runAndKill(int start, int atLeast) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), CrashingReplicatorMain.class.getName(),
                dir.toString(), String.valueOf(start)).redirectErrorStream(true).start();
        int last = start - 1;
        List<String> other = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while (last - start + 1 < atLeast && (line = out.readLine()) != null) {
                if (line.startsWith("ack ")) {
                    last = Integer.parseInt(line.substring(4));
                } else {
                    other.add(line);
                }
                assertTrue(System.nanoTime() < deadline, "child too slow; output: " + other);
            }
            p.destroyForcibly();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "child did not die");
        }
        assertTrue(last - start + 1 >= atLeast, "child stopped early: " + other);
        return last;
    }

    @Test
    void everyAcknowledgedUpdateSurvivesSigkill() throws Exception {
        int last = runAndKill(0, 400);
        last = runAndKill(last + 1, 300);
        try (Replicator r = Replicator.start(CrashingReplicatorMain.config(dir))) {
            ORSet<String> set = r.get(CrashingReplicatorMain.SET)
                    .orElseThrow(() -> new AssertionError("nothing recovered though updates were acknowledged"));
            for (int i = 0; i <= last; i++) {
                assertTrue(set.contains("e" + i), "acknowledged e" + i + " lost; recovered " + set.size()
                        + " elements up to ack " + last);
            }
        }
    }
}
