package io.converge.net.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crdt-node demo} end to end: it starts three {@code crdt-node run} processes, shows the
 * cut-off node diverge from the other two, converges after the heal, exits 0 and leaves no child
 * running. One run (about 15 to 25 s on two cores); the seed's part is checked on {@link
 * DemoCommand.Plan} without processes.
 */
class DemoProcessTest {
    private static final Pattern PID = Pattern.compile("started (\\S+)\\s+pid (\\d+)");


    @Test
    void threeNodeProcessesDivergeInAPartitionConvergeAfterTheHealAndAreAllStopped(@TempDir Path dir) {
        String[] r = Cli.run("demo", "--seed", "7", "--work-dir", dir.toString());
        String out = r[1];
        assertEquals("0", r[0], out + r[2]);

        List<Long> pids = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Matcher m = PID.matcher(out);
        while (m.find()) {
            names.add(m.group(1));
            pids.add(Long.parseLong(m.group(2)));
        }
        assertEquals(3, pids.size(), out);
        assertEquals(Set.of("lisbon", "osaka", "quito"), names);
        assertEquals(3, new HashSet<>(pids).size(), "three distinct processes");
        assertTrue(!pids.contains(ProcessHandle.current().pid()), "children, not this JVM");
        for (long pid : pids) {
            assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "child " + pid + " survived the demo");
        }
        for (String name : names) {
            assertTrue(Files.isRegularFile(dir.resolve(name + ".log")), name + "'s log in the work directory");
        }

        DemoCommand.Plan plan = DemoCommand.Plan.of(7);
        String cut = List.of("lisbon", "osaka", "quito").get(plan.cutIndex());
        assertTrue(out.contains("Partition: " + cut + " is cut off"), out);
        int diverged = out.indexOf("Diverged: each side holds its own writes only.");
        int heal = out.indexOf("Heal:");
        int converged = out.indexOf("ms after the heal: all three nodes report the same values.");
        assertTrue(diverged > 0 && heal > diverged && converged > heal, out);

        // During the partition the cut node reports other values than the two others, which agree.
        List<String> during = views(out.substring(diverged, heal));
        assertEquals(3, during.size(), out);
        int c = plan.cutIndex();
        assertEquals(during.get((c + 1) % 3), during.get((c + 2) % 3), out);
        assertNotEquals(during.get(c), during.get((c + 1) % 3), out);
        // After the heal all three report one value, holding both sides' writes.
        List<String> after = views(out.substring(converged, out.indexOf("How the concurrent writes resolved")));
        assertEquals(3, after.size(), out);
        assertEquals(1, new HashSet<>(after).size(), out);
        int total = plan.deltas().stream().mapToInt(Integer::intValue).sum() + plan.majorityDelta() + plan.minorityDelta();
        assertTrue(after.get(0).startsWith("visits=" + total + " "), after.get(0));
        String won = plan.cutWritesLast() ? plan.minorityValue() : plan.majorityValue();
        assertTrue(after.get(0).contains("\"alice\":\"" + won + "\""), "the later put of the field wins: " + after.get(0));
        assertTrue(out.contains("AWLWWMap: per field, last writer wins by hybrid logical clock"), out);
        assertTrue(out.contains("a concurrent add wins"), out);
        assertTrue(out.contains("Stopping the nodes (SIGTERM, they leave gracefully)... all stopped."), out);
    }

    /** The values part of each node's line ("  NAME    visits=..."). */
    private static List<String> views(String section) {
        List<String> views = new ArrayList<>();
        for (String line : section.split("\n")) {
            int at = line.indexOf("visits=");
            if (line.startsWith("  ") && at > 0) {
                views.add(line.substring(at).trim());
            }
        }
        return views;
    }

    @Test
    void theSeedDecidesTheStory() {
        assertEquals(DemoCommand.Plan.of(7), DemoCommand.Plan.of(7), "the same seed, the same story");
        Set<Integer> cut = new HashSet<>();
        Set<DemoCommand.Plan> plans = new HashSet<>();
        for (long seed = 0; seed < 30; seed++) {
            DemoCommand.Plan p = DemoCommand.Plan.of(seed);
            cut.add(p.cutIndex());
            plans.add(p);
            assertNotEquals(p.majorityValue(), p.minorityValue(), "the contested field really differs, seed " + seed);
        }
        assertEquals(Set.of(0, 1, 2), cut, "every node gets cut off for some seed");
        assertEquals(30, plans.size(), "other seeds, other stories");
    }

    @Test
    void badArgumentsExitTwoWithAMessageOnStandardError() {
        for (String[] args : new String[][] {{"demo", "--seed", "x"}, {"demo", "surplus"}, {"demo", "--work-dir"}}) {
            String[] r = Cli.run(args);
            assertEquals("2", r[0], String.join(" ", args));
            assertEquals("", r[1], "nothing started: " + r[1]);
            assertTrue(!r[2].isEmpty());
        }
        String[] bad = Cli.run("demo", "--seed", "x");
        assertTrue(bad[2].contains("--seed"), bad[2]);
    }
}
