package kvstore.membership;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import kvstore.log.EventLog;

/**
 * {@code POST /gossip} on the peer port: a JSON object within {@code maxGossipBodyBytes}, handed to
 * the gossip verticle over the event bus. Only {@code application/json} is taken, so no web page can
 * post gossip cross-site as a "simple" {@code text/plain} request. Errors name the problem in plain
 * text, never an exception's class or stack.
 */
public final class GossipRoute {
  private GossipRoute() {
  }

  public static Router router(io.vertx.core.Vertx vertx, int maxBodyBytes, EventLog log) {
    Router router = Router.router(vertx);
    router.post("/gossip").handler(ctx -> {
      String type = ctx.request().getHeader("content-type");
      if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
        plain(ctx, 415, "gossip takes Content-Type: application/json");
        return;
      }
      ctx.next();
    });
    router.post("/gossip").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
    router.post("/gossip").handler(ctx -> {
      Object body;
      try {
        body = Json.decodeValue(ctx.body().buffer());
      } catch (DecodeException e) {
        plain(ctx, 400, "malformed gossip digest: the body is not JSON");
        return;
      }
      if (!(body instanceof JsonObject digest)) {
        plain(ctx, 400, "malformed gossip digest: the body must be a JSON object");
        return;
      }
      vertx.eventBus().<JsonObject>request(GossipVerticle.EXCHANGE, digest).onComplete(ar -> {
        if (ar.succeeded()) {
          ctx.json(ar.result().body());
        } else if (ar.cause() instanceof ReplyException r && (r.failureCode() == 400 || r.failureCode() == 409)) {
          // 409: the sender cannot be a member (other cluster settings, or it left)
          plain(ctx, r.failureCode(), r.getMessage());
        } else {
          // the gossip verticle is gone while the peer port still drains: the node is stopping
          plain(ctx, 503, "gossip is not available right now (the node is starting or stopping)");
        }
      });
    });
    plainFailures(router, log);
    return router;
  }

  /** Every failure as a short text answer: 413 names the limit, 5xx are logged. */
  static void plainFailures(Router router, EventLog log) {
    router.route().failureHandler(ctx -> {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      if (status >= 500) {
        log.warn("HTTP " + ctx.request().path() + " failed", ctx.failure());
      }
      plain(ctx, status, status == 413 ? "gossip body larger than maxGossipBodyBytes" : "HTTP " + status);
    });
  }

  static void plain(RoutingContext ctx, int status, String message) {
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().setStatusCode(status).putHeader("content-type", "text/plain").end(message + "\n");
    }
  }
}
