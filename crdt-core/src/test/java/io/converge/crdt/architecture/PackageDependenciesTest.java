package io.converge.crdt.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout of style.md, checked with the JDK's own {@code jdeps} on the compiled classes: the
 * protocol machine stays pure, {@code internal} sits below the types, and nothing depends on the
 * runtime from below.
 */
class PackageDependenciesTest {
    private static final String ROOT = "io.converge.crdt";
    private static Map<String, Set<String>> deps;

    @BeforeAll
    static void runJdeps() {
        Path classes = Path.of("target", "classes");
        String path = Stream.of(System.getProperty("java.class.path", ""), System.getProperty("jdk.module.path", ""))
                .flatMap(p -> Stream.of(p.split(File.pathSeparator)))
                .filter(p -> p.endsWith(".jar") && Files.exists(Path.of(p)))
                .collect(Collectors.joining(File.pathSeparator));
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("jdeps not found"));
        StringWriter out = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(out), "--multi-release", "17", "--module-path", path,
                "-verbose:package", classes.toString());
        assertEquals(0, rc, "jdeps ran: " + out);
        deps = new TreeMap<>();
        for (String line : out.toString().split("\\R")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[1].equals("->") && f[0].startsWith(ROOT)) {
                deps.computeIfAbsent(f[0], k -> new TreeSet<>()).add(f[2]);
            }
        }
        assertTrue(deps.containsKey(ROOT + ".protocol"), "jdeps listed the protocol package: " + out);
    }

    private static Set<String> of(String pkg) {
        return deps.getOrDefault(ROOT + pkg, Set.of());
    }

    @Test
    void theProtocolMachineUsesOnlyTheTypesCausalInternalAndPlainJdk() {
        List<String> bad = new ArrayList<>();
        for (String d : of(".protocol")) {
            boolean ok = d.equals(ROOT) || d.equals(ROOT + ".causal") || d.equals(ROOT + ".internal")
                    || d.equals("java.lang") || d.startsWith("java.lang.") || d.equals("java.util")
                    || d.equals("java.util.function") || d.equals("java.time");
            if (!ok) {
                bad.add(d);
            }
        }
        assertEquals(List.of(), bad, "no threads, clocks' sources, logging or codecs in the machine");
    }

    @Test
    void internalSitsBelowTheTypes() {
        assertTrue(of(".internal").stream().noneMatch(d -> d.equals(ROOT)), "internal -> types: " + of(".internal"));
        assertTrue(of(".internal").stream().noneMatch(d -> d.startsWith(ROOT + ".") && !d.equals(ROOT + ".causal")),
                "internal uses only causal of ours: " + of(".internal"));
    }

    @Test
    void lowerLayersDoNotReachUpToTheEngine() {
        for (String lower : List.of("", ".causal", ".internal", ".protocol", ".codec", ".store")) {
            Set<String> up = of(lower).stream().filter(d -> d.startsWith(ROOT + ".engine") || d.startsWith(ROOT + ".testing"))
                    .collect(Collectors.toSet());
            assertEquals(Set.of(), up, ROOT + lower + " depends on the runtime above it");
        }
    }

    @Test
    void theSpiDependsOnlyOnCausalAndProtocol() {
        Set<String> ours = of(".engine.spi").stream().filter(d -> d.startsWith(ROOT)).collect(Collectors.toSet());
        assertTrue(Set.of(ROOT + ".causal", ROOT + ".protocol").containsAll(ours), "engine.spi -> " + ours);
    }
}
