package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the engine: a real child JVM runs a durable replicator under
 * {@code FsyncPolicy.ALWAYS}, is killed with SIGKILL ({@code destroyForcibly()}) mid-stream,
 * twice, and every update it acknowledged must be there when the replica restarts on the same
 * directory: with one writer, and with four concurrent writers whose updates are applied and
 * made durable in groups (an update must not be acknowledged before its group's records are).
 */
class ReplicatorCrashTest {
    @TempDir
    Path dir;

    /** Runs the child until it acknowledged {@code atLeast} more updates, then kills it; returns what it acknowledged. */
    private Set<Integer> runAndKill(int start, int atLeast, String... mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), CrashingReplicatorMain.class.getName(),
                dir.toString(), String.valueOf(start)));
        command.addAll(List.of(mode));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Set<Integer> acked = new HashSet<>();
        List<String> other = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while (acked.size() < atLeast && (line = out.readLine()) != null) {
                if (line.startsWith("ack ")) {
                    acked.add(Integer.parseInt(line.substring(4)));
                } else {
                    other.add(line);
                }
                assertTrue(System.nanoTime() < deadline, "child too slow; output: " + other);
            }
            p.destroyForcibly();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "child did not die");
        }
        assertTrue(acked.size() >= atLeast, "child stopped early: " + other);
        return acked;
    }

    private void assertRecovered(Set<Integer> acked) {
        try (Replicator r = Replicator.start(CrashingReplicatorMain.config(dir))) {
            ORSet<String> set = r.get(CrashingReplicatorMain.SET)
                    .orElseThrow(() -> new AssertionError("nothing recovered though updates were acknowledged"));
            for (int i : acked) {
                assertTrue(set.contains("e" + i), "acknowledged e" + i + " lost; recovered " + set.size()
                        + " elements of " + acked.size() + " acknowledged");
            }
        }
    }

    @Test
    void everyAcknowledgedUpdateSurvivesSigkill() throws Exception {
        Set<Integer> acked = runAndKill(0, 400);
        int last = Collections.max(acked);
        assertEquals(last + 1, acked.size(), "one writer: acknowledged in order");
        acked.addAll(runAndKill(last + 1, 300));
        assertRecovered(acked);
    }

    @Test
    void everyAcknowledgedUpdateOfConcurrentWritersSurvivesSigkill() throws Exception {
        Set<Integer> acked = runAndKill(0, 1_000, "concurrent");
        acked.addAll(runAndKill(Collections.max(acked) + 1, 1_000, "concurrent"));
        assertRecovered(acked);
    }
}
