package kvstore.rpc;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.http.HttpClient;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.impl.GrpcClientImpl;
import io.vertx.grpc.client.GrpcClientOptions;
import kvstore.config.NodeConfig;

import java.util.concurrent.TimeUnit;

/** The gRPC client a node uses to reach its peers' peer ports: mutual TLS unless insecure, bounded waits everywhere, messages as large as the server takes. */
public final class PeerClients {
  private PeerClients() {
  }

  /** "host:port" (the form gossip advertises and kvctl takes) as a socket address. */
  public static SocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("expected host:port, got '" + hostPort + "'");
    }
    return SocketAddress.inetSocketAddress(Integer.parseInt(hostPort.substring(colon + 1)), hostPort.substring(0, colon));
  }

  /** {@code tls}: the node's certificates, null on an insecure node. */
  public static GrpcClient create(Vertx vertx, NodeConfig config, kvstore.security.ClusterTls tls) {
    return create(vertx, config, tls, config.requestTimeoutMs());
  }

  /** With a deadline of {@code timeoutMs} per call instead of requestTimeoutMs (bulk transfers). */
  public static GrpcClient create(Vertx vertx, NodeConfig config, kvstore.security.ClusterTls tls, int timeoutMs) {
    GrpcClientOptions grpc = new GrpcClientOptions()
        .setMaxMessageSize(config.maxMessageBytes())
        .setTimeout(timeoutMs)
        .setTimeoutUnit(TimeUnit.MILLISECONDS)
        .setScheduleDeadlineAutomatically(true);
    // Vert.x opens a new connection on the next request after a failure, so a restarted peer is
    // reached again at once: there is no exponential reconnect backoff to cap.
    HttpClientOptions http = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false)
        .setConnectTimeout(Math.min(config.requestTimeoutMs(), 1000))
        .setHttp2MultiplexingLimit(1000)
        .setIdleTimeout(60);
    if (tls != null) {
      tls.peerClient(http);
    }
    HttpClient transport = vertx.httpClientBuilder().with(http).withConnectHandler(FlushBatching::install).build();
    // GrpcClient.client(vertx, HttpClient) would drop the options above; this constructor keeps them
    return new GrpcClientImpl(vertx, grpc, transport, true) {
    };
  }
}
