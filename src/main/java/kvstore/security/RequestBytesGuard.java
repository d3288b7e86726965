package kvstore.security;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Stream;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import kvstore.log.EventLog;
import kvstore.metrics.NodeMetrics;

import java.util.HashMap;
import java.util.Map;

/**
 * The request bytes one HTTP/2 connection may hold: the DATA of its streams counts from arrival
 * until the stream closes (the call answered or reset), against the connection's own budget and
 * the node's {@link ByteBudget}. A stream that would go past either is answered at once with
 * gRPC status RESOURCE_EXHAUSTED naming the limit, then reset (NO_ERROR: stop sending), and its
 * bytes are dropped, not buffered: a gRPC message is otherwise gathered whole in memory whatever
 * the flow-control window, because the server reads each frame as it comes. Sits in front of
 * Vert.x's frame listener in the connection's Netty pipeline, on the connection's event loop.
 */
public final class RequestBytesGuard extends Http2FrameListenerDecorator {
  private final Channel channel;
  private final Http2ConnectionHandler handler;
  private final ByteBudget budget;
  private final String listener;
  private final NodeMetrics metrics;
  private final EventLog log;
  private final Map<Integer, Request> requests = new HashMap<>();
  private long held;

  /** One stream's bytes; a holder the node's budget may ask to drop while it is unfinished. */
  private final class Request implements ByteBudget.Holder {
    final int streamId;
    volatile long bytes;

    Request(int streamId) {
      this.streamId = streamId;
    }

    @Override
    public long bytes() {
      return bytes;
    }

    @Override
    public void drop(String why) {
      channel.eventLoop().execute(() -> {
        if (requests.get(streamId) == this) {
          refuse(handler.decoder().connection(), streamId, why);
        }
      });
    }
  }

  private RequestBytesGuard(Channel channel, Http2ConnectionHandler handler, ByteBudget budget, String listener, NodeMetrics metrics,
                            EventLog log) {
    super(handler.decoder().frameListener());
    this.channel = channel;
    this.handler = handler;
    this.budget = budget;
    this.listener = listener;
    this.metrics = metrics;
    this.log = log;
  }

  /** Puts a guard in front of an HTTP/2 connection's streams; an HTTP/1.1 connection is left as it is (one request at a time, its body capped). */
  public static void install(HttpConnection connection, ByteBudget budget, String listener, NodeMetrics metrics, EventLog log) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    Channel channel = base.channel();
    Http2ConnectionHandler handler = channel.pipeline().get(Http2ConnectionHandler.class);
    if (handler == null) {
      return;
    }
    RequestBytesGuard guard = new RequestBytesGuard(channel, handler, budget, listener, metrics, log);
    handler.decoder().frameListener(guard);
    handler.connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        guard.release(stream.id());
      }
    });
    channel.closeFuture().addListener(f -> guard.releaseAll());
  }

  @Override
  public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) throws Http2Exception {
    int n = data.readableBytes();
    Request r = requests.computeIfAbsent(streamId, Request::new);
    if (held + n > budget.perConnection()) {
      refuse(handler.connection(), streamId, "this connection already holds " + held + " bytes of unanswered requests"
          + " (maxRequestBytesPerConnection = " + budget.perConnection() + ")");
      return n + padding;
    }
    if (!budget.take(n, r)) {
      refuse(handler.connection(), streamId, "the node holds its maximum of request bytes in flight (maxRequestBytesInFlight = "
          + budget.total() + "); try again shortly");
      return n + padding;
    }
    r.bytes += n;
    held += n;
    if (endOfStream) {
      budget.finished(r);
    } else {
      budget.unfinished(r);
    }
    return super.onDataRead(ctx, streamId, data, padding, endOfStream);
  }

  /** Answers the stream RESOURCE_EXHAUSTED with {@code why} (if nothing was answered yet), resets it and drops its bytes. */
  private void refuse(Http2Connection connection, int streamId, String why) {
    release(streamId);
    metrics.refused("request_bytes");
    log.warnLimited("request-bytes-" + listener, "refused a request from " + channel.remoteAddress() + " on " + listener + ": " + why);
    ChannelHandlerContext ctx = channel.pipeline().context(handler);
    Http2Stream stream = connection.stream(streamId);
    if (ctx == null || stream == null) {
      return;
    }
    if (!stream.isHeadersSent()) {
      DefaultHttp2Headers trailers = new DefaultHttp2Headers();
      trailers.status("200").set("content-type", "application/grpc").set("grpc-status", "8").set("grpc-message", GrpcMessageText.encode(why));
      handler.encoder().writeHeaders(ctx, streamId, trailers, 0, true, ctx.newPromise());
    }
    handler.encoder().writeRstStream(ctx, streamId, Http2Error.NO_ERROR.code(), ctx.newPromise());
    ctx.flush();
  }

  private void release(int streamId) {
    Request r = requests.remove(streamId);
    if (r != null) {
      budget.finished(r);
      budget.give(r.bytes);
      held -= r.bytes;
    }
  }

  private void releaseAll() {
    for (Integer id : requests.keySet().toArray(Integer[]::new)) {
      release(id);
    }
  }
}
