package io.converge.net.cli;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * {@code crdt-node demo}: three in-process replicas of an add-wins last-writer-wins map, writing
 * concurrently while an in-memory network loses, duplicates and reorders their deltas; one round
 * of full-state anti-entropy then heals them and they print the same map.
 *
 * <p>Until the sync layer exists this is the whole demo: no sockets, one thread, a seeded random
 * network so every run prints the same story.
 */
final class DemoCommand {
    private static final String[] REPLICAS = {"lisbon", "osaka", "quito"};

    private final PrintStream out;
    private final long seed;

    DemoCommand(PrintStream out, long seed) {
        this.out = out;
        this.seed = seed;
    }

    /** A delta in flight to one replica. */
    private record Message(int to, AWLWWMap<String, String> delta) {
    }

    int run() {
        SplittableRandom random = new SplittableRandom(seed);
        int n = REPLICAS.length;
        // Simulated wall time, one second per write, so every run tells the same story.
        long[] now = {1_767_225_600_000L};
        List<ReplicaId> ids = new ArrayList<>();
        List<HybridLogicalClock> clocks = new ArrayList<>();
        List<AWLWWMap<String, String>> states = new ArrayList<>();
        for (String name : REPLICAS) {
            ids.add(ReplicaId.of(name));
            clocks.add(HybridLogicalClock.of(() -> now[0], HybridLogicalClock.DEFAULT_MAX_OFFSET_MILLIS,
                    io.converge.crdt.causal.HlcTimestamp.ZERO));
            states.add(AWLWWMap.empty());
        }
        List<Message> network = new ArrayList<>();
        int sent = 0;
        int lost = 0;
        int duplicated = 0;

        out.println("Three replicas edit one shared map while the network loses 25% of deltas,");
        out.println("duplicates 10% and delivers the rest in random order.");
        out.println();
        String[][] writes = {
            {"lisbon", "put", "cart:alice", "2 apples"},
            {"osaka", "put", "cart:bob", "1 pear"},
            {"quito", "put", "cart:alice", "3 apples"},
            {"lisbon", "put", "cart:carol", "5 figs"},
            {"osaka", "remove", "cart:carol", ""},
            {"quito", "put", "cart:dave", "1 melon"},
            {"lisbon", "put", "cart:bob", "2 pears"},
            {"osaka", "put", "cart:erin", "4 plums"},
        };
        for (String[] w : writes) {
            now[0] += 1000;
            int i = List.of(REPLICAS).indexOf(w[0]);
            AWLWWMap<String, String> s = states.get(i);
            String note = w[1].equals("remove") && !s.containsKey(w[2])
                    ? "(not seen here yet: removes nothing)" : w[3];
            AWLWWMap<String, String> delta = w[1].equals("put")
                    ? s.put(ids.get(i), clocks.get(i), w[2], w[3])
                    : s.remove(w[2]);
            states.set(i, s.join(delta));
            out.printf("  %-7s %-6s %-11s %s%n", w[0], w[1], w[2], note);
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                sent++;
                double r = random.nextDouble();
                if (r < 0.25) {
                    lost++;
                    continue;
                }
                network.add(new Message(j, delta));
                if (r > 0.90) {
                    duplicated++;
                    network.add(new Message(j, delta));
                }
            }
            // Deliver a random part of what is in flight, in random order.
            int deliveries = random.nextInt(network.size() + 1);
            for (int k = 0; k < deliveries && !network.isEmpty(); k++) {
                Message m = network.remove(random.nextInt(network.size()));
                states.set(m.to(), states.get(m.to()).join(m.delta()));
            }
        }
        for (Message m : network) {
            states.set(m.to(), states.get(m.to()).join(m.delta()));
        }
        out.println();
        out.printf("Deltas sent %d, lost %d, duplicated %d. Before anti-entropy:%n", sent, lost, duplicated);
        printStates(states);

        // One round of full-state anti-entropy: everyone joins everyone's state.
        List<AWLWWMap<String, String>> healed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            AWLWWMap<String, String> s = states.get(i);
            for (AWLWWMap<String, String> other : states) {
                s = s.join(other);
            }
            healed.add(s);
        }
        out.println();
        out.println("After one full-state exchange:");
        printStates(healed);
        boolean converged = healed.stream().allMatch(s -> s.equals(healed.get(0)));
        out.println();
        out.println(converged ? "Converged: every replica holds the same map." : "NOT CONVERGED");
        return converged ? 0 : 1;
    }

    private void printStates(List<AWLWWMap<String, String>> states) {
        for (int i = 0; i < states.size(); i++) {
            Map<String, String> sorted = new TreeMap<>(states.get(i).value());
            out.printf("  %-7s %s%n", REPLICAS[i], sorted);
        }
    }
}
