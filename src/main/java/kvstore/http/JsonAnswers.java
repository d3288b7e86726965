package kvstore.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import kvstore.log.EventLog;

/** JSON answers and errors; a failure's status follows the gRPC status the client API would answer with. */
final class JsonAnswers {
  private JsonAnswers() {
  }

  static void ok(RoutingContext ctx, int status, JsonObject body) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }
  }

  static void error(RoutingContext ctx, int status, String message) {
    ok(ctx, status, new JsonObject().put("error", message));
  }

  /** The HTTP status for the gRPC status a call failed with. */
  static int httpStatus(GrpcStatus s) {
    return switch (s) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION -> 409;
      case RESOURCE_EXHAUSTED -> 429;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 500;
    };
  }

  /** A failed call: its status and message; anything that is not a status is a 500 naming no class, and is logged. */
  static void failure(RoutingContext ctx, Throwable err, String what, EventLog log) {
    if (err instanceof StatusException s) {
      error(ctx, httpStatus(s.status()), s.message() == null ? s.status().name() : s.message());
      return;
    }
    if (err instanceof io.vertx.core.http.HttpClosedException || ctx.response().closed()) {
      // a client that hangs up mid-request is nothing for the node to fix, and anyone can do it at
      // will: one rate-limited line, no stack trace, and nobody to answer
      log.warnLimited("http-aborted", what + " abandoned: the client " + ctx.request().remoteAddress() + " closed the connection first");
      return;
    }
    log.warn(what + " failed", err);
    String m = err.getMessage();
    error(ctx, 500, what + " failed: " + (m == null || m.isBlank() ? "internal error (see the node's log)" : m));
  }
}
