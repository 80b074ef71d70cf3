package io.converge.net.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CrdtNodeTest {
    @Test
    void unknownCommandsPrintUsageOnStandardErrorAndExitTwo() {
        String[] r = Cli.run("frobnicate");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("Unmatched argument at index 0: 'frobnicate'"), r[2]);
        assertEquals("", r[1]);
        String[] bad = Cli.run("demo", "--seed", "x");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("--seed"), bad[2]);
        String[] none = Cli.run();
        assertEquals("2", none[0]);
        assertTrue(none[2].contains("name a command"), none[2]);
    }

    @Test
    void helpAndVersionGoToStandardOutputAndExitZero() {
        for (String[] args : new String[][] {{"--help"}, {"demo", "--help"}, {"run", "--help"}, {"status", "--help"}}) {
            String[] r = Cli.run(args);
            assertEquals("0", r[0], String.join(" ", args));
            assertTrue(r[1].contains("Usage: crdt-node"), r[1]);
            assertEquals("", r[2]);
        }
        String[] v = Cli.run("--version");
        assertEquals("0", v[0]);
        assertTrue(v[1].startsWith("crdt-node "), v[1]);
        assertTrue(!v[1].contains("unknown"), "the version comes from the build: " + v[1]);
    }

    @Test
    void runDeclaresEveryOptionOfTheNode() {
        String help = Cli.run("run", "--help")[1];
        for (String option : new String[] {"--name", "--bind", "--http", "--seeds", "--dns", "--dns-server",
                "--multicast", "--secret-file", "--data-dir", "--tls-cert", "--tls-key", "--tls-ca",
                "--insecure-plaintext", "--http-token-file", "--fault-injection"}) {
            assertTrue(help.contains(option), option);
        }
    }

    @Test
    void runRefusesMissingOrConflictingArgumentsWithExitTwo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path secret = dir.resolve("secret");
        java.nio.file.Files.writeString(secret, java.util.Base64.getEncoder().encodeToString(new byte[32]));
        String[] missing = Cli.run("run", "--name", "a");
        assertEquals("2", missing[0]);
        assertTrue(missing[2].contains("Missing required options"), missing[2]);
        String[] badAddress = Cli.run("run", "--name", "a", "--bind", "127.0.0.1", "--http", "127.0.0.1:0",
                "--secret-file", secret.toString());
        assertEquals("2", badAddress[0]);
        assertTrue(badAddress[2].contains("is not HOST:PORT"), badAddress[2]);
        String[] halfTls = Cli.run("run", "--name", "a", "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0",
                "--secret-file", secret.toString(), "--tls-cert", "c.pem");
        assertEquals("2", halfTls[0]);
        assertTrue(halfTls[2].contains("--tls-cert, --tls-key and --tls-ca"), halfTls[2]);
        String[] openWithoutToken = Cli.run("run", "--name", "a", "--bind", "127.0.0.1:0", "--http", "0.0.0.0:0",
                "--secret-file", secret.toString(), "--insecure-plaintext");
        assertEquals("2", openWithoutToken[0]);
        assertTrue(openWithoutToken[2].contains("needs a token file"), openWithoutToken[2]);
        java.nio.file.Path shortToken = dir.resolve("token");
        java.nio.file.Files.writeString(shortToken, "short\n");
        String[] weak = Cli.run("run", "--name", "a", "--bind", "127.0.0.1:0", "--http", "0.0.0.0:0",
                "--secret-file", secret.toString(), "--insecure-plaintext", "--http-token-file", shortToken.toString());
        assertEquals("2", weak[0]);
        assertTrue(weak[2].contains("at least 16 characters"), weak[2]);
        String[] noSecret = Cli.run("run", "--name", "a", "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0",
                "--secret-file", dir.resolve("absent").toString(), "--insecure-plaintext");
        assertEquals("2", noSecret[0]);
        assertTrue(noSecret[2].contains("--secret-file"), noSecret[2]);
    }

    @Test
    void statusOfANodeNobodyRunsFailsWithExitOne() throws java.io.IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        String[] r = Cli.run("status", "--http", "127.0.0.1:" + port);
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("cannot reach"), r[2]);
    }
}
