package io.converge.net.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@link HttpApi} over HTTP/1.1 on Netty, and streams {@code GET /events}.
 *
 * <p>Limits, each from {@link HttpServerConfig}: the request line (414), the header block (431)
 * and the body (413) are bounded before anything is buffered beyond them; a request must arrive
 * whole within the request timeout of its first byte, and a silent connection is closed after
 * the idle timeout (slow or stalled clients cannot hold a connection); connections beyond the
 * maximum get 503 and are closed. With a token, every request without {@code Authorization:
 * Bearer <token>} (compared in constant time, as SHA-256 digests) gets 401 before any route runs,
 * except {@code GET /} exactly: the cluster page holds no data and asks for the token itself.
 *
 * <p>Requests of one connection are answered in order (pipelining is allowed; at most
 * {@value #MAX_IN_FLIGHT} in flight, then reading pauses). The event loop never blocks: the
 * backend's futures complete on its own threads and answers are written from there. An event
 * stream whose client reads too slowly (its socket buffer full) is closed rather than buffered
 * without bound; the client reconnects.
 *
 * <p>Thread-safe; {@link #close()} is idempotent and bounded (about two seconds).
 */
final class HttpApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApiServer.class);
    static final int MAX_IN_FLIGHT = 16;

    private final HttpServerConfig config;
    private final NodeBackend backend;
    private final HttpApi api;
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(2);
    private final AtomicInteger connections = new AtomicInteger();
    private final Channel server;
    /** SHA-256 of the token, if there is one. */
    private final byte[] tokenDigest;

    private HttpApiServer(HttpServerConfig config, NodeBackend backend) {
        this.config = config;
        this.backend = backend;
        this.api = new HttpApi(backend);
        this.tokenDigest = config.token.map(HttpApiServer::sha256).orElse(null);
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        initConnection(ch);
                    }
                });
        try {
            this.server = b.bind(config.bind).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            shutdownGroups();
            throw e;
        }
    }

    /**
     * Starts listening.
     *
     * @throws RuntimeException (a {@link java.net.BindException} among them) if the address is taken
     */
    static HttpApiServer start(HttpServerConfig config, NodeBackend backend) {
        return new HttpApiServer(Objects.requireNonNull(config, "config"), Objects.requireNonNull(backend, "backend"));
    }

    /** Where it listens (the port chosen, if port 0 was asked for). */
    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    private void initConnection(SocketChannel ch) {
        if (connections.incrementAndGet() > config.maxConnections) {
            connections.decrementAndGet();
            byte[] body = HttpApi.Response.error(503, "too_many_connections", "the node serves at most "
                    + config.maxConnections + " connections; retry later").body();
            // The pipeline has no HTTP encoder yet: the answer goes out as the bytes it is.
            byte[] head = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            var r = Unpooled.wrappedBuffer(head, body);
            ch.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ch.closeFuture().addListener(f -> connections.decrementAndGet());
        long idle = config.idleTimeout.toMillis();
        ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS))
                .addLast("deadline", new RequestDeadline(config.requestTimeout.toMillis()))
                .addLast("codec", new HttpServerCodec(config.maxInitialLineBytes, config.maxHeaderBytes, 8192))
                .addLast("aggregate", new HttpObjectAggregator(config.maxBodyBytes, true))
                .addLast("api", new ApiHandler());
    }

    /**
     * Closes a connection whose request has not arrived whole within the timeout of its first
     * byte; the API handler disarms it when the request is complete.
     */
    private static final class RequestDeadline extends ChannelInboundHandlerAdapter {
        private final long millis;
        private ScheduledFuture<?> armed;

        RequestDeadline(long millis) {
            this.millis = millis;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (armed == null) {
                armed = ctx.executor().schedule(() -> {
                    LOG.debug("closing {}: request not complete within {} ms", ctx.channel().remoteAddress(), millis);
                    ctx.close();
                }, millis, TimeUnit.MILLISECONDS);
            }
            ctx.fireChannelRead(msg);
        }

        void disarm() {
            if (armed != null) {
                armed.cancel(false);
                armed = null;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            disarm();
            super.channelInactive(ctx);
        }
    }

    /** Checks the token, routes, and writes answers in request order. */
    private final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        /** Completes when the previous answer was written: answers go out in request order. */
        private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
        private int inFlight;
        private boolean streaming;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            ((RequestDeadline) ctx.pipeline().get("deadline")).disarm();
            if (streaming) {
                return; // an event stream's connection carries nothing else
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (req.decoderResult().isFailure()) {
                Throwable cause = req.decoderResult().cause();
                int status = cause instanceof TooLongHttpLineException ? 414
                        : cause instanceof TooLongHttpHeaderException ? 431 : 400;
                String what = cause instanceof TooLongFrameException ? "request line or headers too long"
                        : "malformed HTTP request";
                enqueue(ctx, CompletableFuture.completedFuture(HttpApi.Response.error(status, "bad_request", what)), false);
                return;
            }
            // The page itself holds no data: a browser cannot send a bearer token when it
            // navigates, so the page is served without one and asks for it before any call.
            boolean page = req.method().name().equals("GET") && req.uri().equals("/");
            if (config.token.isPresent() && !page && !authorized(req)) {
                HttpApi.Response r = HttpApi.Response.error(401, "unauthorized",
                        "this node needs 'Authorization: Bearer <token>'");
                enqueue(ctx, CompletableFuture.completedFuture(r), keepAlive);
                return;
            }
            String method = req.method().name();
            String path = new QueryStringDecoder(req.uri()).rawPath();
            if (method.equals("GET") && path.equals("/events")) {
                if (!new QueryStringDecoder(req.uri()).parameters().isEmpty()) {
                    enqueue(ctx, CompletableFuture.completedFuture(HttpApi.Response.error(400, "bad_request",
                            "this path takes no query parameters")), keepAlive);
                    return;
                }
                streaming = true;
                previous.thenRun(() -> ctx.channel().eventLoop().execute(() -> startEvents(ctx)));
                return;
            }
            byte[] body = new byte[req.content().readableBytes()];
            req.content().readBytes(body);
            enqueue(ctx, api.handle(new HttpApi.Request(method, req.uri(), body)), keepAlive);
        }

        private boolean authorized(FullHttpRequest req) {
            String h = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return false;
            }
            byte[] given = h.substring(7).trim().getBytes(StandardCharsets.UTF_8);
            // Digests first: isEqual is constant-time for equal lengths only, so comparing the
            // tokens themselves would tell a prober the token's length.
            return MessageDigest.isEqual(sha256(given), tokenDigest);
        }

        private void enqueue(ChannelHandlerContext ctx, CompletableFuture<HttpApi.Response> answer, boolean keepAlive) {
            if (++inFlight >= MAX_IN_FLIGHT) {
                ctx.channel().config().setAutoRead(false);
            }
            CompletableFuture<Void> written = new CompletableFuture<>();
            previous.thenCombine(answer, (v, r) -> r).whenComplete((r, e) -> {
                HttpApi.Response resp = e == null ? r
                        : HttpApi.Response.error(500, "internal", String.valueOf(e.getMessage()));
                ctx.channel().eventLoop().execute(() -> {
                    write(ctx, resp, keepAlive).addListener(f -> written.complete(null));
                    if (--inFlight < MAX_IN_FLIGHT && !ctx.channel().config().isAutoRead()) {
                        ctx.channel().config().setAutoRead(true);
                        ctx.read();
                    }
                });
            });
            previous = written;
        }

        private ChannelFuture write(ChannelHandlerContext ctx, HttpApi.Response r, boolean keepAlive) {
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length)
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                    .set("X-Content-Type-Options", "nosniff");
            if (r.contentType().equals(ClusterPage.CONTENT_TYPE)) {
                resp.headers().set(HttpHeaderNames.CONTENT_SECURITY_POLICY, api.page().contentSecurityPolicy())
                        .set("Referrer-Policy", "no-referrer");
            }
            if (!r.allow().isEmpty()) {
                resp.headers().set(HttpHeaderNames.ALLOW, r.allow());
            }
            if (r.status() == 401) {
                resp.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            }
            if (!keepAlive) {
                resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            ChannelFuture f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
            return f;
        }

        /** Turns this connection into an event stream until the client goes. */
        private void startEvents(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            ch.pipeline().remove("idle"); // heartbeats keep the stream alive instead
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            HttpUtil.setTransferEncodingChunked(head, true);
            ch.write(head);
            ch.writeAndFlush(chunk(": connected to " + backend.name() + "\n\n"));
            AutoCloseable sub = backend.subscribe(event -> {
                if (!ch.isActive()) {
                    return;
                }
                if (!ch.isWritable()) {
                    LOG.debug("closing the event stream of {}: it reads too slowly", ch.remoteAddress());
                    ch.close();
                    return;
                }
                String data = new String(Json.bytes(HttpApi.eventJson(event)), StandardCharsets.UTF_8);
                ch.writeAndFlush(chunk("event: " + HttpApi.eventName(event) + "\ndata: " + data + "\n\n"));
            });
            long beat = config.eventHeartbeat.toMillis();
            ScheduledFuture<?> heartbeat = ch.eventLoop().scheduleAtFixedRate(
                    () -> ch.writeAndFlush(chunk(": heartbeat\n\n")), beat, beat, TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(f -> {
                heartbeat.cancel(false);
                try {
                    sub.close();
                } catch (Exception e) {
                    LOG.debug("closing an event subscription failed", e);
                }
            });
        }

        private DefaultHttpContent chunk(String text) {
            return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        }

        /** A silent connection closes, unless an answer is still being prepared (a consistency wait). */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                if (inFlight == 0) {
                    ctx.close();
                }
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("HTTP connection {} failed", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        shutdownGroups();
    }

    private void shutdownGroups() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        boss.terminationFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
