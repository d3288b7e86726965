package kvstore.cli;

import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.ServiceMethod;
import kvstore.node.PeerClients;
import kvstore.node.RpcCall;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** kvctl's connection to the cluster: its own Vertx; calls whose failures keep the server's message. Used from the CLI's main thread only. */
final class NodeConnection implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final GrpcClient client;

  NodeConnection(long timeoutMs) {
    client = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(256L * 1024 * 1024)
        .setTimeout((int) timeoutMs).setTimeoutUnit(TimeUnit.MILLISECONDS).setScheduleDeadlineAutomatically(true));
  }

  /** A unary call whose failure carries the server's status message. */
  <Req, Resp> Resp call(String hostPort, ServiceMethod<Resp, Req> method, Req request) {
    return RpcCall.unary(client, PeerClients.address(hostPort), method, request).await();
  }

  /** A server-streaming call; returns when the stream ended with OK. */
  <Req, Resp> void stream(String hostPort, ServiceMethod<Resp, Req> method, Req request,
                          Consumer<Resp> onMessage) {
    RpcCall.stream(client, PeerClients.address(hostPort), method, request, onMessage).await();
  }

  @Override
  public void close() {
    vertx.close();
  }
}
