package io.converge.net.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link HttpApiServer} listens and what it lets in. Immutable; built with {@link #builder()}.
 *
 * <p>Binding: loopback by default. Any other address (the wildcard included) needs a bearer
 * token, so a node is never reachable from the network without one; on loopback a token is
 * optional and, when given, enforced the same way.
 */
final class HttpServerConfig {
    final InetSocketAddress bind;
    final Optional<byte[]> token;
    final int maxBodyBytes;
    final int maxHeaderBytes;
    final int maxInitialLineBytes;
    final Duration idleTimeout;
    final Duration requestTimeout;
    final int maxConnections;
    final Duration eventHeartbeat;

    private HttpServerConfig(Builder b) {
        this.bind = b.bind;
        this.token = b.token;
        this.maxBodyBytes = b.maxBodyBytes;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.maxInitialLineBytes = b.maxInitialLineBytes;
        this.idleTimeout = b.idleTimeout;
        this.requestTimeout = b.requestTimeout;
        this.maxConnections = b.maxConnections;
        this.eventHeartbeat = b.eventHeartbeat;
    }

    static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a token file: its first line, trimmed.
     *
     * @throws IllegalArgumentException if the token is shorter than 16 characters
     */
    static byte[] readToken(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").trim();
        if (text.length() < 16) {
            throw new IllegalArgumentException("the token in " + file + " must have at least 16 characters");
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Builds a config; each setter checks its argument. */
    static final class Builder {
        private InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
        private Optional<byte[]> token = Optional.empty();
        private int maxBodyBytes = 64 * 1024;
        private int maxHeaderBytes = 8 * 1024;
        private int maxInitialLineBytes = 4 * 1024;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private int maxConnections = 256;
        private Duration eventHeartbeat = Duration.ofSeconds(15);

        private Builder() {
        }

        /** Address and port; default loopback port 8080. Port 0 takes a free port. */
        Builder bind(InetSocketAddress address) {
            Objects.requireNonNull(address, "address");
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("cannot resolve " + address.getHostString());
            }
            this.bind = address;
            return this;
        }

        /** The bearer token every request must carry; default none (allowed on loopback only). */
        Builder token(byte[] token) {
            Objects.requireNonNull(token, "token");
            if (token.length < 16) {
                throw new IllegalArgumentException("the token must have at least 16 bytes");
            }
            this.token = Optional.of(token.clone());
            return this;
        }

        /** Largest request body; default 64 KiB. Larger ones get 413. */
        Builder maxBodyBytes(int n) {
            this.maxBodyBytes = atLeast(n, 256, "max body bytes");
            return this;
        }

        /** Largest header block; default 8 KiB. Larger ones get 431. */
        Builder maxHeaderBytes(int n) {
            this.maxHeaderBytes = atLeast(n, 1024, "max header bytes");
            return this;
        }

        /** Longest request line; default 4 KiB. Longer ones get 414. */
        Builder maxInitialLineBytes(int n) {
            this.maxInitialLineBytes = atLeast(n, 256, "max request line bytes");
            return this;
        }

        /** A connection with no traffic this long is closed; default 60 s (event streams send heartbeats). */
        Builder idleTimeout(Duration d) {
            this.idleTimeout = positive(d, "idle timeout");
            return this;
        }

        /** A request must arrive whole within this time of its first byte; default 10 s. */
        Builder requestTimeout(Duration d) {
            this.requestTimeout = positive(d, "request timeout");
            return this;
        }

        /** Open connections at most; default 256. Further ones get 503 and are closed. */
        Builder maxConnections(int n) {
            this.maxConnections = atLeast(n, 1, "max connections");
            return this;
        }

        /** Interval of {@code /events} heartbeat comments; default 15 s. */
        Builder eventHeartbeat(Duration d) {
            this.eventHeartbeat = positive(d, "event heartbeat");
            return this;
        }

        /**
         * @throws IllegalArgumentException if the address is not loopback and no token is set
         */
        HttpServerConfig build() {
            if (!bind.getAddress().isLoopbackAddress() && token.isEmpty()) {
                throw new IllegalArgumentException("binding the HTTP API to " + bind.getAddress().getHostAddress()
                        + " (not loopback) needs a token file (--http-token-file)");
            }
            return new HttpServerConfig(this);
        }

        private static int atLeast(int n, int min, String what) {
            if (n < min) {
                throw new IllegalArgumentException(what + " must be at least " + min + ", got " + n);
            }
            return n;
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
