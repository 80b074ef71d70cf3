package io.converge.net.cli;

import java.io.PrintStream;

/**
 * The {@code crdt-node} program. Today it has one command, {@code demo}; the node itself (HTTP
 * API, cluster membership) arrives with the sync layer.
 */
public final class CrdtNode {
    private CrdtNode() {
    }

    /** Entry point; exits with the command's status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length >= 1 && args[0].equals("demo")) {
            long seed = 42;
            if (args.length == 3 && args[1].equals("--seed")) {
                try {
                    seed = Long.parseLong(args[2]);
                } catch (NumberFormatException e) {
                    err.println("crdt-node: --seed takes a whole number, got '" + args[2] + "'");
                    return 2;
                }
            } else if (args.length != 1) {
                err.println("usage: crdt-node demo [--seed N]");
                return 2;
            }
            try {
                return new DemoCommand(out, seed).run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("crdt-node: interrupted");
                return 130;
            }
        }
        err.println("usage: crdt-node demo [--seed N]");
        err.println("  demo   three in-process nodes replicate a map over lossy links through a partition");
        return 2;
    }
}
