package io.converge.net.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code crdt-node} program: {@code demo}, {@code run} and {@code status} (picocli).
 *
 * <p>Exit codes: 0 success, 1 the command failed (the demo did not converge, a node could not be
 * reached), 2 bad or missing arguments (message on standard error), 130 interrupted. {@code --help}
 * and {@code --version} print to standard output and exit 0.
 */
@Command(name = "crdt-node", mixinStandardHelpOptions = true, versionProvider = CrdtNode.Version.class,
        description = "Runs and inspects Converge nodes.",
        subcommands = {DemoCommand.Cli.class, RunCommand.class, StatusCommand.class},
        commandListHeading = "%nCommands:%n",
        footer = {"", "Exit codes: 0 ok, 1 failed, 2 bad arguments. 'crdt-node COMMAND --help' describes a command."})
public final class CrdtNode implements Callable<Integer> {
    /** Where commands print; set before picocli runs them. */
    PrintStream out = System.out;
    PrintStream err = System.err;

    @Spec
    CommandSpec spec;

    CrdtNode() {
    }

    /**
     * Entry point; exits with the command's status. Unless the command line sets them
     * ({@code -Dorg.slf4j.simpleLogger...}), logs Converge's own loggers ({@code io.converge},
     * member events among them) at INFO and everything else (JGroups, Netty) at WARN, on standard
     * error.
     */
    public static void main(String[] args) {
        defaultLevel("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        defaultLevel("org.slf4j.simpleLogger.log.io.converge", "info");
        defaultLevel("org.slf4j.simpleLogger.showDateTime", "true");
        defaultLevel("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        System.exit(run(args, System.out, System.err));
    }

    /** Sets a logging property before the first logger exists, unless it was set already. */
    private static void defaultLevel(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CrdtNode root = new CrdtNode();
        root.out = out;
        root.err = err;
        CommandLine cl = new CommandLine(root);
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof UsageError u) {
                line.getErr().println("crdt-node: " + u.getMessage());
                line.getErr().println("Try 'crdt-node " + line.getCommandName() + " --help'.");
                return 2;
            }
            line.getErr().println("crdt-node: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        err.println("crdt-node: name a command");
        spec.commandLine().usage(new PrintWriter(err, true, StandardCharsets.UTF_8));
        return 2;
    }

    /** Arguments that parse but do not go together: exit 2 like a parse error. */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code HOST:PORT} (IPv6 as {@code [::1]:PORT}), resolved now. */
    static final class HostPort implements CommandLine.ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            return parse(value);
        }

        static InetSocketAddress parse(String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not HOST:PORT");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' has no port number");
            }
            if (port < 0 || port > 65535) {
                throw new CommandLine.TypeConversionException("port " + port + " is not between 0 and 65535");
            }
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                throw new CommandLine.TypeConversionException("cannot resolve host '" + host + "'");
            }
        }
    }

    /** The version Maven wrote into {@code version.properties}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = CrdtNode.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"crdt-node " + p.getProperty("version", "unknown") + " (Converge, Java "
                    + Runtime.version().feature() + ")"};
        }
    }
}
