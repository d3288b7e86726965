package kvstore.log;

import io.vertx.core.Handler;

/**
 * What Vert.x reports when no handler caught an exception, in the node's log format. One case is
 * Vert.x 5.0.7's own and harmless: when a client resets an HTTP/2 stream (a load generator killed
 * mid-run, a cancelled call) just before the node writes the reply, the write hits the stream's
 * already disposed queue and throws a NullPointerException from {@code VertxHttp2Stream}. The work
 * was done (a put is committed) and only the reply, which nobody awaits, is lost; left to Vert.x it
 * would print an ERROR with a stack trace per dropped reply, so it is a trace line here.
 */
public final class UnhandledErrors implements Handler<Throwable> {
  private final EventLog log;

  public UnhandledErrors(EventLog log) {
    this.log = log;
  }

  @Override
  public void handle(Throwable err) {
    if (isReplyToResetStream(err)) {
      log.trace(() -> "[GRPC] reply dropped: the client reset its stream first");
      return;
    }
    log.error("unhandled exception", err);
  }

  /**
   * Whether {@code err} (which may be null) is an answer to a stream its client already gave up on:
   * Vert.x's NullPointerException from a reset HTTP/2 stream, or gRPC's "The stream is failed"
   * when the generated service ends a cancelled call (a resumed node answering what it held).
   */
  public static boolean isReplyToResetStream(Throwable err) {
    if (err instanceof IllegalStateException && err.getMessage() != null && err.getMessage().startsWith("The stream is failed")) {
      return true;
    }
    if (!(err instanceof NullPointerException)) {
      return false;
    }
    StackTraceElement[] stack = err.getStackTrace();
    return stack.length > 0 && stack[0].getClassName().startsWith("io.vertx.core.http.impl.VertxHttp2Stream")
        && stack[0].getMethodName().equals("cancel");
  }
}
