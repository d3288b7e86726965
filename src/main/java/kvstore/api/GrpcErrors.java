package kvstore.api;

import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import kvstore.log.EventLog;
import kvstore.replication.ReplicationException;

/**
 * Maps failures to gRPC statuses: a failed Future that is not a StatusException would reach the
 * client as UNKNOWN with nothing logged.
 */
final class GrpcErrors {
  private GrpcErrors() {
  }

  /** Runs the request's checks; a failed one is the answer (INVALID_ARGUMENT naming the limit), else the call is. */
  static <T> Future<T> afterChecks(Runnable checks, java.util.function.Supplier<Future<T>> call) {
    try {
      checks.run();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return call.get();
  }

  static <T> Future<T> mapped(Future<T> f, String what, EventLog log) {
    return f.recover(err -> Future.failedFuture(toStatus(err, what, log)));
  }

  static StatusException toStatus(Throwable err, String what, EventLog log) {
    if (err instanceof StatusException s) {
      return s;
    }
    if (kvstore.storage.DiskFull.reported(err) || err instanceof kvstore.storage.DiskFull) {
      log.warnLimited("disk-full-answer", what + " failed: " + err.getMessage());
      return new StatusException(GrpcStatus.RESOURCE_EXHAUSTED, err.getMessage());
    }
    if (err instanceof ReplicationException) {
      log.trace(() -> "[UNAVAILABLE] " + what + ": " + err.getMessage());
      return new StatusException(GrpcStatus.UNAVAILABLE, err.getMessage());
    }
    log.warn(what + " failed", err);
    return new StatusException(GrpcStatus.INTERNAL, what + " failed: " + reason(err));
  }

  /** What went wrong, for a client: the message only, never the exception's class (the log has the whole of it). */
  static String reason(Throwable err) {
    String m = err.getMessage();
    return m == null || m.isBlank() ? "internal error (see the node's log)" : m;
  }
}
