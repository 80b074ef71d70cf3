package io.converge.bench.memory;

import io.converge.bench.fixture.Converge;
import io.converge.bench.fixture.Elements;
import io.converge.bench.fixture.Pekko;
import io.converge.bench.fixture.Writers;
import io.converge.crdt.ORSet;
import java.util.HashSet;
import java.util.Locale;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;

/**
 * Bytes per element of an OR-Set of {@code n} strings (100,000 unless given as the first
 * argument), written by one replica and by three, for Converge, Pekko and a plain
 * {@link HashSet}, measured with JOL ({@code GraphLayout.parseInstance(set).totalSize()}: every
 * object reachable from the set, counted once).
 *
 * <p>The strings' own bytes (each {@code String} and its {@code byte[]}) are the same for all
 * three and are reported apart; "per element" is {@code (total - strings) / n}. Run it from the
 * benchmarks jar:
 *
 * <pre>java -Djdk.attach.allowAttachSelf -cp benchmarks/target/benchmarks.jar io.converge.bench.memory.MemoryFootprint [n] [--classes]</pre>
 *
 * ({@code -Djdk.attach.allowAttachSelf} lets JOL size objects through instrumentation; without
 * it JOL computes the same sizes from the field layout and prints a warning.)
 *
 * {@code --classes} also prints JOL's per-class footprint table of each structure.
 */
public final class MemoryFootprint {
    private MemoryFootprint() {
    }

    public static void main(String[] args) {
        // Converge's Dot is a record: Unsafe refuses record field offsets, JOL's fallback finds them.
        if (System.getProperty("jol.magicFieldOffset") == null) {
            System.setProperty("jol.magicFieldOffset", "true");
        }
        int n = 100_000;
        boolean classes = false;
        for (String a : args) {
            if (a.equals("--classes")) {
                classes = true;
            } else {
                n = Integer.parseInt(a.replace("_", "").replace(",", ""));
            }
        }
        System.out.println(VM.current().details());
        String[] elements = Elements.names(0, n);
        long stringBytes = GraphLayout.parseInstance((Object[]) elements).totalSize();

        System.out.printf(Locale.ROOT, "OR-Set of %,d strings; the strings themselves: %,d bytes (%.1f per element)%n%n",
                n, stringBytes, (double) stringBytes / n);
        System.out.printf(Locale.ROOT, "| %-10s | %-7s | %14s | %15s | %16s |%n", "structure", "writers", "total bytes",
                "without strings", "bytes / element");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%n", "-".repeat(12), "-".repeat(9), "-".repeat(16) + ":", "-".repeat(16)
                + ":", "-".repeat(17) + ":");
        StringBuilder details = new StringBuilder();
        for (int writers : new int[] {1, 3}) {
            Writers w = Writers.of("a", "b", "c");
            int writer = writers == 1 ? 0 : -1;
            ORSet<String> converge = Converge.addAll(ORSet.empty(), w, writer, elements);
            row("Converge", writers, converge, n, stringBytes, classes, details);
            org.apache.pekko.cluster.ddata.ORSet<String> pekko =
                    Pekko.addAll(org.apache.pekko.cluster.ddata.ORSet.empty(), w, writer, elements);
            row("Pekko", writers, pekko, n, stringBytes, classes, details);
            if (converge.size() != n || pekko.size() != n) {
                throw new IllegalStateException("sets must hold " + n + " elements");
            }
        }
        row("HashSet", 0, new HashSet<>(Elements.list(elements)), n, stringBytes, classes, details);
        System.out.print(details);
    }

    private static void row(String name, int writers, Object set, int n, long stringBytes, boolean classes,
            StringBuilder details) {
        GraphLayout layout = GraphLayout.parseInstance(set);
        long total = layout.totalSize();
        long without = total - stringBytes;
        System.out.printf(Locale.ROOT, "| %-10s | %-7s | %,14d | %,15d | %16.1f |%n", name,
                writers == 0 ? "-" : Integer.toString(writers), total, without, (double) without / n);
        if (classes) {
            details.append(System.lineSeparator()).append(name).append(writers == 0 ? "" : ", " + writers + " writer(s)")
                    .append(':').append(System.lineSeparator()).append(layout.toFootprint());
        }
    }
}
