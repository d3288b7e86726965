package kvstore.cli;

import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import kv.KeyValueGrpcClient;
import kvstore.replica.proto.ReplicaGrpcClient;

import java.util.concurrent.TimeUnit;

/** kvctl's connection to the cluster: its own Vertx, stubs per address. Used from the CLI's main thread only. */
final class NodeConnection implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final GrpcClient client;

  NodeConnection(long timeoutMs) {
    client = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(256L * 1024 * 1024)
        .setTimeout((int) timeoutMs).setTimeoutUnit(TimeUnit.MILLISECONDS).setScheduleDeadlineAutomatically(true));
  }

  static SocketAddress address(String hostPort) {
    return kvstore.node.PeerClients.address(hostPort);
  }

  KeyValueGrpcClient kv(String hostPort) {
    return KeyValueGrpcClient.create(client, address(hostPort));
  }

  ReplicaGrpcClient replica(String hostPort) {
    return ReplicaGrpcClient.create(client, address(hostPort));
  }

  /** A unary call whose failure carries the server's status message. */
  <Req, Resp> Resp call(String hostPort, io.vertx.grpc.common.ServiceMethod<Resp, Req> method, Req request) {
    return kvstore.node.RpcCall.unary(client, address(hostPort), method, request).await();
  }

  /** A server-streaming call; returns when the stream ended with OK. */
  <Req, Resp> void stream(String hostPort, io.vertx.grpc.common.ServiceMethod<Resp, Req> method, Req request,
                          java.util.function.Consumer<Resp> onMessage) {
    kvstore.node.RpcCall.stream(client, address(hostPort), method, request, onMessage).await();
  }

  @Override
  public void close() {
    vertx.close();
  }
}
