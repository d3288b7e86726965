package kvstore.rpc;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;

import java.util.function.Consumer;

/**
 * gRPC calls whose failures keep the server's status message. The generated stubs fail with the
 * status alone ("FAILED_PRECONDITION"), dropping the sentence that says what is wrong ("ring ...
 * differs", "acknowledged by 1 of 2 required replicas"), which operators and logs need.
 */
public final class RpcCall {
  private RpcCall() {
  }

  /** A failed call: the status and the server's message. */
  public static final class Failure extends RuntimeException {
    private final GrpcStatus status;

    public Failure(GrpcStatus status, String message) {
      super(status.name() + (message == null || message.isEmpty() ? "" : ": " + message));
      this.status = status;
    }

    public GrpcStatus status() {
      return status;
    }
  }

  public static <Req, Resp> Future<Resp> unary(GrpcClient client, SocketAddress to, ServiceMethod<Resp, Req> method, Req request) {
    return client.request(to, method).compose(req -> req.end(request).compose(v -> req.response()).compose(resp -> {
      if (resp.status() != null && resp.status() != GrpcStatus.OK) {
        // a trailers-only answer: the status came with the headers and the stream has ended
        return Future.failedFuture(new Failure(resp.status(), resp.statusMessage()));
      }
      Promise<Resp> out = Promise.promise();
      Resp[] last = newHolder();
      resp.handler(m -> last[0] = m);
      resp.exceptionHandler(err -> out.tryFail(failure(resp, err)));
      resp.endHandler(v -> {
        if (resp.status() != null && resp.status() != GrpcStatus.OK) {
          out.tryFail(new Failure(resp.status(), resp.statusMessage()));
        } else if (last[0] == null) {
          out.tryFail(new Failure(GrpcStatus.INTERNAL, "the server answered no message"));
        } else {
          out.tryComplete(last[0]);
        }
      });
      return out.future();
    }));
  }

  /** A server-streaming call: each message to {@code onMessage}; completes when the stream ends with OK. */
  public static <Req, Resp> Future<Void> stream(GrpcClient client, SocketAddress to, ServiceMethod<Resp, Req> method, Req request,
                                               Consumer<Resp> onMessage) {
    return client.request(to, method).compose(req -> req.end(request).compose(v -> req.response()).compose(resp -> {
      if (resp.status() != null && resp.status() != GrpcStatus.OK) {
        return Future.failedFuture(new Failure(resp.status(), resp.statusMessage()));
      }
      Promise<Void> out = Promise.promise();
      resp.handler(onMessage::accept);
      resp.exceptionHandler(err -> out.tryFail(failure(resp, err)));
      resp.endHandler(v -> {
        if (resp.status() != null && resp.status() != GrpcStatus.OK) {
          out.tryFail(new Failure(resp.status(), resp.statusMessage()));
        } else {
          out.tryComplete();
        }
      });
      return out.future();
    }));
  }

  private static Throwable failure(GrpcClientResponse<?, ?> resp, Throwable err) {
    return resp.status() != null && resp.status() != GrpcStatus.OK ? new Failure(resp.status(), resp.statusMessage()) : err;
  }

  @SuppressWarnings("unchecked")
  private static <T> T[] newHolder() {
    return (T[]) new Object[1];
  }
}
