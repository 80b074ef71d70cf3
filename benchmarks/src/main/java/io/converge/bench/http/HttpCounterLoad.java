package io.converge.bench.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput of local counter writes through a running node's HTTP API, from one client
 * ({@code java.net.http.HttpClient}, HTTP/1.1 keep-alive): {@code POST /counters/{key}} with
 * {@code {"delta": 1}} at {@code consistency=local}, as fast as the answers come. A harness over
 * real sockets, not a JMH benchmark: the figure includes the client, the kernel's loopback and
 * the server, and says nothing finer than that.
 *
 * <pre>
 * ./crdt-node run --name bench --bind 127.0.0.1:7800 --http 127.0.0.1:8080 --secret-file secret --insecure-plaintext &amp;
 * java -cp benchmarks/target/classes io.converge.bench.http.HttpCounterLoad http://127.0.0.1:8080 [seconds] [in-flight]
 * </pre>
 *
 * <p>With {@code in-flight} 1 (the default) each request waits for the previous answer; more
 * keeps that many requests outstanding (the client opens a connection per outstanding request).
 * A token, if the node has one, comes from the environment variable {@code CRDT_NODE_TOKEN}.
 */
public final class HttpCounterLoad {
    private HttpCounterLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: HttpCounterLoad BASE-URL [seconds (10)] [in-flight (1)]");
            System.exit(2);
        }
        String base = args[0];
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/counters/bench-hits?consistency=local"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("{\"delta\": 1}"));
        String token = System.getenv("CRDT_NODE_TOKEN");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpRequest req = b.build();
        System.out.printf("warming up 3 s, then measuring %d s with %d request(s) in flight%n", seconds, inFlight);
        run(client, req, 3, inFlight, false);
        run(client, req, seconds, inFlight, true);
    }

    private static void run(HttpClient client, HttpRequest req, int seconds, int inFlight, boolean report)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long start = System.nanoTime();
        long[] latencies = new long[1 << 22];
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        if (inFlight == 1) {
            while (System.nanoTime() < end) {
                long t = System.nanoTime();
                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                long n = done.getAndIncrement();
                if (n < latencies.length) {
                    latencies[(int) n] = System.nanoTime() - t;
                }
                if (r.statusCode() != 200) {
                    failed.incrementAndGet();
                }
            }
        } else {
            Semaphore permits = new Semaphore(inFlight);
            while (System.nanoTime() < end) {
                if (!permits.tryAcquire(1, TimeUnit.SECONDS)) {
                    continue;
                }
                client.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                    done.incrementAndGet();
                    if (e != null || r.statusCode() != 200) {
                        failed.incrementAndGet();
                    }
                    permits.release();
                });
            }
            if (!permits.tryAcquire(inFlight, 20, TimeUnit.SECONDS)) {
                System.err.println("some requests never completed");
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (report) {
            System.out.printf("%d requests in %.1f s: %.0f requests/s, %d not 200%n", done.get(), secs,
                    done.get() / secs, failed.get());
            if (inFlight == 1) {
                int n = (int) Math.min(done.get(), latencies.length);
                long[] l = Arrays.copyOf(latencies, n);
                Arrays.sort(l);
                System.out.printf("latency p50 %.0f us, p99 %.0f us, max %.0f us%n", l[n / 2] / 1e3,
                        l[(int) (n * 0.99)] / 1e3, l[n - 1] / 1e3);
            }
        }
    }
}
