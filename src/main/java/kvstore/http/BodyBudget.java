package kvstore.http;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import kvstore.log.EventLog;
import kvstore.metrics.NodeMetrics;
import kvstore.security.ByteBudget;

/**
 * A request body's share of the node's {@link ByteBudget}, taken before the body is read: its
 * declared length, or the body limit when it declares none. Until the body has arrived it is an
 * unfinished request the budget may drop for others (its connection is closed); the share is
 * given back when the answer is sent or the connection closes. Without room: 503 naming the limit.
 * A platform handler for Vert.x Web, which admits only those in front of the body handler.
 */
final class BodyBudget implements io.vertx.ext.web.handler.PlatformHandler {
  private final ByteBudget budget;
  private final long bodyLimit;
  private final NodeMetrics metrics;
  private final EventLog log;

  BodyBudget(ByteBudget budget, long bodyLimit, NodeMetrics metrics, EventLog log) {
    this.budget = budget;
    this.bodyLimit = bodyLimit;
    this.metrics = metrics;
    this.log = log;
  }

  private static final class Body implements ByteBudget.Holder {
    final long bytes;
    final RoutingContext ctx;
    final Context context;

    Body(long bytes, RoutingContext ctx, Context context) {
      this.bytes = bytes;
      this.ctx = ctx;
      this.context = context;
    }

    @Override
    public long bytes() {
      return bytes;
    }

    @Override
    public void drop(String why) {
      context.runOnContext(v -> ctx.request().connection().close());
    }
  }

  private static final String KEY = "kv.bodyBudget";

  /** The next handler after the body handler: the body has arrived whole, so it is no longer an unfinished request. */
  Handler<RoutingContext> arrived() {
    return ctx -> {
      Body b = ctx.get(KEY);
      if (b != null) {
        budget.finished(b);
      }
      ctx.next();
    };
  }

  @Override
  public void handle(RoutingContext ctx) {
    String declared = ctx.request().getHeader("content-length");
    long n;
    try {
      n = declared == null ? bodyLimit : Math.min(bodyLimit, Math.max(0, Long.parseLong(declared.trim())));
    } catch (NumberFormatException e) {
      JsonAnswers.error(ctx, 400, "Content-Length is not a number");
      return;
    }
    Body body = new Body(n, ctx, ctx.vertx().getOrCreateContext());
    if (!budget.take(n, body)) {
      metrics.refused("request_bytes");
      log.warnLimited("request-bytes-httpPort", "refused a request from " + ctx.request().remoteAddress()
          + " on httpPort: the node holds its maximum of request bytes in flight");
      JsonAnswers.error(ctx, 503, "the node holds its maximum of request bytes in flight (maxRequestBytesInFlight = "
          + budget.total() + "); try again shortly");
      return;
    }
    budget.unfinished(body);
    ctx.put(KEY, body);
    boolean[] given = {false};
    Runnable giveBack = () -> {
      if (!given[0]) {
        given[0] = true;
        budget.finished(body);
        budget.give(n);
      }
    };
    ctx.addEndHandler(v -> giveBack.run());
    ctx.request().connection().closeHandler(v -> giveBack.run());
    ctx.next();
  }
}
