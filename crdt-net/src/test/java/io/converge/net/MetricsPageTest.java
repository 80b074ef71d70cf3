package io.converge.net;

import static io.converge.net.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.converge.crdt.engine.Replicator;
import io.converge.net.TestCluster.Node;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md stays true: its table names exactly the meters {@link ConvergeMetrics} registers,
 * with their tag keys, Prometheus names and drop reasons, and its Java snippet compiles and runs here.
 */
class MetricsPageTest {
    private static final Pattern ROW = Pattern.compile("^\\| `(converge\\.[a-z.]+)` \\| `([a-z_]+)` \\| (gauge|counter) \\| ([^|]*) \\|");
    private static final Pattern DROP = Pattern.compile("^\\| `(transport|engine)` \\| `([a-z-]+)` \\|");

    @Test
    void pageSnippetIsThisTest() throws IOException {
        assertEquals(1, DocPages.assertJavaBlocksIn("metrics.md", MetricsPageTest.class));
    }

    @Test
    void pageListsEveryMeterWithItsTagsAndPrometheusName() throws IOException {
        Map<String, Documented> documented = new TreeMap<>();
        Set<String> documentedDrops = new TreeSet<>();
        for (String line : DocPages.read("metrics.md").split("\n")) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                Set<String> tags = new TreeSet<>();
                Matcher tick = Pattern.compile("`([a-z]+)`").matcher(row.group(4).replaceAll("\\([^)]*\\)", ""));
                while (tick.find()) {
                    tags.add(tick.group(1));
                }
                documented.put(row.group(1), new Documented(row.group(2), row.group(3), tags));
            }
            Matcher drop = DROP.matcher(line);
            if (drop.find()) {
                documentedDrops.add(drop.group(1) + "/" + drop.group(2));
            }
        }
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Node b = c.start("b");
            c.awaitAdmitted(List.of(a, b));
            await(() -> a.replicator().stats().peers().containsKey(b.id()), () -> "a knows b");
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            try (ConvergeMetrics metrics = ConvergeMetrics.builder(a.replicator(), a.transport())
                    .members(() -> Map.of("up", 2)).timeouts(() -> Map.of("write.majority", 1L))
                    .refreshInterval(java.time.Duration.ZERO).build()) {
                metrics.bindTo(registry);
                Map<String, Documented> registered = new TreeMap<>();
                Set<String> drops = new TreeSet<>();
                for (Meter m : registry.getMeters()) {
                    Set<String> tags = new TreeSet<>();
                    m.getId().getTags().forEach(t -> tags.add(t.getKey()));
                    String type = m.getId().getType() == Meter.Type.COUNTER ? "counter" : "gauge";
                    String prometheus = registry.config().namingConvention().name(m.getId().getName(),
                            m.getId().getType(), m.getId().getBaseUnit());
                    if (type.equals("counter")) {
                        prometheus += "_total";
                    }
                    Documented d = new Documented(prometheus, type, tags);
                    Documented before = registered.put(m.getId().getName(), d);
                    if (before != null && !before.equals(d)) {
                        fail(m.getId().getName() + " registered as " + before + " and " + d);
                    }
                    if (m.getId().getName().equals("converge.frames.dropped")) {
                        drops.add(m.getId().getTag("layer") + "/" + m.getId().getTag("reason"));
                    }
                }
                assertEquals(registered, documented);
                assertEquals(drops, documentedDrops);
                String page = registry.scrape();
                for (Documented d : documented.values()) {
                    assertTrue((page.contains("\n" + d.prometheus() + "{")
                            || page.contains("\n" + d.prometheus() + " ")), () -> d.prometheus() + " not in\n" + page);
                }
                assertTrue(page.contains("converge_sync_lag{peer=\"b\"}"), page);
                assertTrue(page.contains("converge_frames_dropped_total{layer=\"transport\",reason=\"rate-limited\"}"),
                        page);
                assertTrue(page.contains("converge_consistency_timeouts_total{level=\"majority\",operation=\"write\"} 1.0"),
                        page);
            }
        }
    }

    @Test
    void theSnippetRendersThePrometheusPage() {
        try (TestCluster c = new TestCluster()) {
            Node a = c.start("a");
            Replicator replicator = a.replicator();
            JGroupsTransport transport = a.transport();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            try (ConvergeMetrics metrics = ConvergeMetrics.builder(replicator, transport)
                    .tags(Tags.of("node", "a"))
                    .build()) {
                metrics.bindTo(registry);
                String page = registry.scrape(); // the Prometheus text a GET /metrics returns
                serve(page);
            }
            assertTrue(served.contains("converge_transport_view_size{node=\"a\"} 1.0"), served);
            assertTrue(registry.getMeters().isEmpty());
        }
    }

    private String served = "";

    /** What the page's HTTP server would do with the scraped text. */
    private void serve(String page) {
        served = page;
    }

    private record Documented(String prometheus, String type, Set<String> tags) {
    }

}
