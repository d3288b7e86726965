package kvstore.security;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.impl.ConnectionBase;
import kvstore.log.EventLog;
import kvstore.metrics.NodeMetrics;

import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The connection limits of one listener ({@link ConnectionAdmission}: a cap, per-address caps and
 * rates, unproven connections first to go), shared by every verticle instance serving it and
 * applied as the socket is accepted, before any TLS or HTTP work is done for it. A connection must
 * also become an HTTP connection (HTTP/2 preface, or the first HTTP/1.1 request's headers complete,
 * TLS handshake included) within {@code firstRequestMs}, so a slowloris trickling its headers is cut
 * off whatever the idle timeout. On a listener that proves its callers at the handshake (the
 * secure peer port, which requires a certificate of the cluster CA), a completed handshake proves
 * a connection and a failed one is logged (rate-limited) and counted.
 *
 * <p>Vert.x 5.0.7 offers no public hook at accept time (its connection handler runs after the first
 * request's headers for HTTP/1.1), so {@link #install} adds a Netty handler in front of the
 * listener's acceptor, found by reflection on Vert.x internals; if those ever change, the limits
 * fall back to counting in {@link #admit} and say so in a WARN.
 */
public final class ConnectionCap {
  private static final AttributeKey<Boolean> ADMITTED = AttributeKey.valueOf("kv.admitted");
  private final String listener;
  private final long firstRequestMs;
  private final boolean provenAtHandshake;
  private final NodeMetrics metrics;
  private final EventLog log;
  private final ConnectionAdmission<Object> admission;
  private final AtomicBoolean installed = new AtomicBoolean();
  private volatile boolean atAccept;

  /**
   * @param provenAtHandshake the listener requires a client certificate of the cluster CA, so a
   *                          completed handshake proves a connection (else its first request does)
   */
  public ConnectionCap(String listener, Limits limits, long firstRequestMs, boolean provenAtHandshake, NodeMetrics metrics, EventLog log) {
    this.listener = listener;
    this.firstRequestMs = firstRequestMs;
    this.provenAtHandshake = provenAtHandshake;
    this.metrics = metrics;
    this.log = log;
    this.admission = new ConnectionAdmission<>(limits.max(), limits.perSource(), limits.newPerSecond());
  }

  /** A listener's connection limits: its own cap, and the per-address ones every listener shares. */
  public record Limits(int max, int perSource, int newPerSecond) {
    public static Limits of(int max, kvstore.config.NodeConfig config) {
      return new Limits(max, config.maxConnectionsPerSource(), config.maxNewConnectionsPerSecond());
    }
  }

  /** Puts the limits in front of {@code server}'s acceptor; called after each listen, installs once per listener. */
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

  /** Vert.x's connection handler: the connection speaks HTTP, which proves it unless the handshake does; limits it here if the gate is not installed. */
  public boolean admit(HttpConnection connection) {
    Channel channel = connection instanceof ConnectionBase base ? base.channel() : null;
    if (channel != null) {
      channel.attr(ADMITTED).set(Boolean.TRUE);
    }
    if (atAccept) {
      if (channel != null && !provenAtHandshake) {
        admission.prove(channel);
      }
      return true;
    }
    Object handle = channel != null ? channel : connection;
    String source = host(connection.remoteAddress() == null ? null : connection.remoteAddress().hostAddress());
    ConnectionAdmission.Decision<Object> d = admission.arrive(handle, source, System.nanoTime());
    if (!d.admitted()) {
      refuse(String.valueOf(connection.remoteAddress()), d);
      if (channel != null) {
        channel.close();
      } else {
        connection.close();
      }
      return false;
    }
    admission.prove(handle);
    evict(d);
    connection.closeHandler(v -> admission.leave(handle));
    return true;
  }

  public int open() {
    return admission.open();
  }

  private static String host(String address) {
    return address == null ? "unknown" : address;
  }

  private static String remote(Channel c) {
    return c.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() + ":" + a.getPort() : String.valueOf(c.remoteAddress());
  }

  private void refuse(String remote, ConnectionAdmission.Decision<?> d) {
    metrics.refused(d.metric());
    log.warnLimited(d.metric() + "-" + listener, "closed a connection from " + remote + " to " + listener + ": " + d.reason());
  }

  private void evict(ConnectionAdmission.Decision<Object> d) {
    if (d.evict() == null) {
      return;
    }
    metrics.refused(d.metric());
    String why = d.metric().equals("evicted_unproven") ? "it had not yet shown it is a client of " + listener
        : "its address held the most connections";
    if (d.evict() instanceof Channel c) {
      log.warnLimited(d.metric() + "-" + listener, "closed a connection from " + remote(c) + " to " + listener
          + " to make room for a newcomer: " + listener + " is at its cap and " + why);
      c.close();
    } else if (d.evict() instanceof HttpConnection h) {
      h.close();
    }
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
      String source = child.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "unknown";
      ConnectionAdmission.Decision<Object> d = admission.arrive(child, source, System.nanoTime());
      if (!d.admitted()) {
        refuse(remote(child), d);
        child.unsafe().closeForcibly();
        return;
      }
      evict(d);
      child.closeFuture().addListener(f -> admission.leave(child));
      if (provenAtHandshake) {
        child.pipeline().addFirst("kv-handshake-watch", new HandshakeWatch());
      }
      ctx.channel().eventLoop().schedule(() -> {
        if (child.isOpen() && child.attr(ADMITTED).get() == null) {
          metrics.refused("first_request_timeout");
          log.warnLimited("slow-" + listener, "closed a connection from " + remote(child)
              + " to " + listener + ": no complete first request within " + firstRequestMs + " ms");
          child.close();
        }
      }, firstRequestMs, TimeUnit.MILLISECONDS);
      ctx.fireChannelRead(msg);
    }
  }

  /** On a listener that requires a cluster certificate: the handshake's outcome proves or refuses the connection. */
  private final class HandshakeWatch extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel ch = ctx.channel();
      SslHandler ssl = ch.pipeline().get(SslHandler.class);
      if (ssl != null) {
        ssl.handshakeFuture().addListener(f -> {
          if (f.isSuccess()) {
            admission.prove(ch);
          } else if (ch.isActive() || !(f.cause() instanceof java.nio.channels.ClosedChannelException)) {
            metrics.refused("peer_handshake");
            log.warnLimited("handshake-" + listener, "refused a TLS connection on the " + listener + " from " + remote(ch)
                + ": it presented no certificate signed by the cluster CA (" + f.cause().getMessage() + ")");
          }
        });
      }
      ctx.pipeline().remove(this);
      ctx.fireChannelActive();
    }
  }
}
