package kvstore.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import kv.KeyValueGrpcClient;
import kv.Kv;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** A blocking test client of one node's public API (the calls run on the client's own Vertx). */
public final class KvClient {
  private final KeyValueGrpcClient stub;
  private final GrpcClient client;
  private final SocketAddress socket;
  private final String address;
  private final long timeoutMs;

  public KvClient(Vertx vertx, String host, int port) {
    this(vertx, host, port, 10_000);
  }

  /** A client whose calls give up after {@code timeoutMs} (a gRPC deadline on each call). */
  public KvClient(Vertx vertx, String host, int port, long timeoutMs) {
    GrpcClient client = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(64L * 1024 * 1024)
        .setTimeout((int) timeoutMs).setTimeoutUnit(TimeUnit.MILLISECONDS).setScheduleDeadlineAutomatically(true));
    this.client = client;
    this.socket = SocketAddress.inetSocketAddress(port, host);
    this.stub = KeyValueGrpcClient.create(client, socket);
    this.address = host + ":" + port;
    this.timeoutMs = timeoutMs;
  }

  public Kv.PutResponse put(String key, String value) {
    return put(key, value, Kv.Consistency.DEFAULT);
  }

  public Kv.PutResponse put(String key, String value, Kv.Consistency c) {
    return done(stub.put(Kv.PutRequest.newBuilder().setKey(key).setValue(value).setConsistency(c).build()));
  }

  public Kv.PutResponse put(Kv.PutRequest req) {
    return done(stub.put(req));
  }

  public Kv.GetResponse get(String key) {
    return get(key, Kv.Consistency.DEFAULT);
  }

  public Kv.GetResponse get(String key, Kv.Consistency c) {
    return done(stub.get(Kv.GetRequest.newBuilder().setKey(key).setConsistency(c).build()));
  }

  public Kv.MultiGetResponse multiGet(List<String> keys, Kv.Consistency c) {
    return done(stub.multiGet(Kv.MultiGetRequest.newBuilder().addAllKeys(keys).setConsistency(c).build()));
  }

  public Kv.PutResponse delete(String key, Kv.Consistency c) {
    return done(stub.delete(Kv.DeleteRequest.newBuilder().setKey(key).setConsistency(c).build()));
  }

  public Kv.CasResponse cas(Kv.CasRequest req) {
    return done(stub.compareAndSet(req));
  }

  /**
   * A CompareAndSet's answer, or when it failed, its status and message as one string (the stub
   * drops the message), or "no answer: ..." when none came.
   */
  public Object casOrFailure(Kv.CasRequest req) {
    try {
      return client.request(socket, KeyValueGrpcClient.CompareAndSet).compose(r -> r.send(req))
          .compose(resp -> resp.last().transform(ar -> io.vertx.core.Future.<Object>succeededFuture(ar.succeeded() ? ar.result()
              : resp.status() + ": " + resp.statusMessage())))
          // no answer at all (a deadline, a lost connection): the request may still have been served
          .recover(err -> io.vertx.core.Future.succeededFuture("no answer: " + err))
          .await(timeoutMs + CLIENT_SLACK_MS, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // the deadline runs once the call has a stream; a call still waiting for a connection has none
      return "no answer: the call did not complete within its deadline and " + CLIENT_SLACK_MS + " ms more";
    }
  }

  /** Beyond a call's deadline, how long the client waits for the call itself to end. */
  private static final long CLIENT_SLACK_MS = 5_000;

  /** The call's answer; a call that outlives its deadline by {@link #CLIENT_SLACK_MS} fails instead of blocking the test. */
  private <T> T done(io.vertx.core.Future<T> call) {
    try {
      return call.await(timeoutMs + CLIENT_SLACK_MS, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("a call to " + address + " did not complete within its deadline and " + CLIENT_SLACK_MS + " ms more");
    }
  }

  public byte[] chunkHash(int chunk) {
    return stub.getChunkHash(Kv.ChunkRequest.newBuilder().setChunkId(chunk).build()).await().getHash().toByteArray();
  }

  /**
   * The chunk's stream, collected. Not through the generated stub: it asks for the response only
   * once the request is written, and a response that arrived first (a loaded machine) streamed its
   * rows and its end to no handler, so the call never completed (TrustBoundaryTest hung for 180 s
   * in CI). Here the handlers are set as soon as the response begins.
   */
  public List<Kv.KeyValuePair> fetchRange(int chunk) {
    return client.request(socket, KeyValueGrpcClient.FetchRange).compose(req -> {
      io.vertx.core.Future<io.vertx.grpc.client.GrpcClientResponse<Kv.RangeRequest, Kv.KeyValuePair>> response = req.response();
      req.end(Kv.RangeRequest.newBuilder().setChunkId(chunk).build());
      return response.compose(resp -> {
        io.vertx.core.Promise<List<Kv.KeyValuePair>> rows = io.vertx.core.Promise.promise();
        List<Kv.KeyValuePair> out = new java.util.ArrayList<>();
        resp.handler(out::add);
        resp.exceptionHandler(rows::tryFail);
        resp.endHandler(v -> {
          if (resp.status() != null && resp.status() != GrpcStatus.OK) {
            rows.tryFail(new io.vertx.grpc.client.InvalidStatusException(GrpcStatus.OK, resp.status()));
          } else {
            rows.tryComplete(out);
          }
        });
        return rows.future();
      });
    }).await();
  }

  /** The grpc-message of a Put's answer (the generated stub drops it on failure). */
  public String putStatusMessage(Kv.PutRequest req) {
    return statusMessage(KeyValueGrpcClient.Put, req);
  }

  /** The grpc-message of any unary call's answer. */
  public <Req, Resp> String statusMessage(io.vertx.grpc.common.ServiceMethod<Resp, Req> method, Req req) {
    return client.request(socket, method)
        .compose(r -> r.send(req))
        .compose(resp -> resp.end().transform(ar -> io.vertx.core.Future.succeededFuture(resp.statusMessage())))
        .await();
  }

  /** Closes this client's connection. */
  public void close() {
    client.close().await();
  }

  public KeyValueGrpcClient stub() {
    return stub;
  }

  public String address() {
    return address;
  }

  /** The gRPC status a failed call ended with, or OK when it succeeded. */
  public static GrpcStatus statusOf(Runnable call) {
    try {
      call.run();
      return GrpcStatus.OK;
    } catch (InvalidStatusException e) {
      return e.actualStatus();
    }
  }
}
