package kvstore.security;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.impl.ConnectionBase;
import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code max} open connections on one listener, shared by every verticle instance serving
 * it, counted as the socket is accepted: one more is closed at once, so idle or slow connections
 * cannot take all of the node's file descriptors and memory. A connection must also become an
 * HTTP connection (HTTP/2 preface, or the first HTTP/1.1 request's headers complete, TLS handshake
 * included) within {@code firstRequestMs}, so a slowloris trickling its headers is cut off whatever
 * the idle timeout; the idle timeout closes the ones that go quiet later.
 *
 * <p>Vert.x 5.0.7 offers no public hook at accept time (its connection handler runs after the first
 * request's headers for HTTP/1.1), so {@link #install} adds a Netty handler in front of the
 * listener's acceptor, found by reflection on Vert.x internals; if those ever change, the cap falls
 * back to counting in {@link #admit} and says so in a WARN.
 */
public final class ConnectionCap {
  private static final AttributeKey<Boolean> ADMITTED = AttributeKey.valueOf("kv.admitted");
  private final String listener;
  private final int max;
  private final long firstRequestMs;
  private final NodeMetrics metrics;
  private final EventLog log;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicBoolean installed = new AtomicBoolean();
  private volatile boolean atAccept;

  public ConnectionCap(String listener, int max, long firstRequestMs, NodeMetrics metrics, EventLog log) {
    this.listener = listener;
    this.max = max;
    this.firstRequestMs = firstRequestMs;
    this.metrics = metrics;
    this.log = log;
  }

  /** Puts the cap in front of {@code server}'s acceptor; called after each listen, installs once per listener. */
  public void install(HttpServer server) {
    if (!installed.compareAndSet(false, true)) {
      return;
    }
    try {
      Field tcp = server.getClass().getDeclaredField("tcpServer");
      tcp.setAccessible(true);
      Object net = tcp.get(server);
      Field actual = net.getClass().getDeclaredField("actualServer");
      actual.setAccessible(true);
      Object main = actual.get(net) != null ? actual.get(net) : net;
      Field bind = main.getClass().getDeclaredField("bindFuture");
      bind.setAccessible(true);
      Channel serverChannel = ((io.vertx.core.Future<Channel>) bind.get(main)).result();
      serverChannel.pipeline().addFirst("kv-connection-cap", new AcceptGate());
      atAccept = true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn(listener + ": connections are capped once they send a first request (" + e + ")");
    }
  }

  /** Vert.x's connection handler: marks the connection as speaking HTTP; counts it here if the gate is not installed. */
  public boolean admit(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      base.channel().attr(ADMITTED).set(Boolean.TRUE);
    }
    if (atAccept) {
      return true;
    }
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      refuse(connection.remoteAddress().toString());
      if (connection instanceof ConnectionBase base) {
        base.channel().close();
      } else {
        connection.close();
      }
      return false;
    }
    connection.closeHandler(v -> open.decrementAndGet());
    return true;
  }

  public int open() {
    return open.get();
  }

  private void refuse(String remote) {
    metrics.refused("connection_cap");
    log.warnLimited("cap-" + listener, "closed a connection from " + remote + ": " + listener
        + " already has its maximum of " + max + " connections");
  }

  /** Sees each accepted socket before Vert.x does. */
  @ChannelHandler.Sharable
  private final class AcceptGate extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof Channel child)) {
        ctx.fireChannelRead(msg);
        return;
      }
      if (open.incrementAndGet() > max) {
        open.decrementAndGet();
        refuse(String.valueOf(child.remoteAddress()).replaceFirst("^/", ""));
        child.unsafe().closeForcibly();
        return;
      }
      child.closeFuture().addListener(f -> open.decrementAndGet());
      ctx.channel().eventLoop().schedule(() -> {
        if (child.isOpen() && child.attr(ADMITTED).get() == null) {
          metrics.refused("first_request_timeout");
          log.warnLimited("slow-" + listener, "closed a connection from " + String.valueOf(child.remoteAddress()).replaceFirst("^/", "")
              + " to " + listener + ": no complete first request within " + firstRequestMs + " ms");
          child.close();
        }
      }, firstRequestMs, TimeUnit.MILLISECONDS);
      ctx.fireChannelRead(msg);
    }
  }
}
