package kvstore.cli;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.ServiceMethod;
import kvstore.rpc.PeerClients;
import kvstore.rpc.RpcCall;
import kvstore.replica.proto.ReplicaProto;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** kvctl's connection to the cluster: its own Vertx; calls whose failures keep the server's message. Used from the CLI's main thread only. */
final class NodeConnection implements AutoCloseable {
  /** TLS for kvctl: the CA to trust (null: the JDK's), and the client certificate to present (null: none). */
  record Tls(Path ca, Path cert, Path key) {
  }

  private final Vertx vertx = Vertx.vertx();
  private final GrpcClient client;
  private final boolean tls;
  private final long timeoutMs;

  NodeConnection(long timeoutMs, Tls tls) {
    this.tls = tls != null;
    this.timeoutMs = timeoutMs;
    GrpcClientOptions grpc = new GrpcClientOptions().setMaxMessageSize(256L * 1024 * 1024)
        .setTimeout((int) timeoutMs).setTimeoutUnit(TimeUnit.MILLISECONDS).setScheduleDeadlineAutomatically(true);
    HttpClientOptions http;
    try {
      http = transport(tls);
    } catch (IllegalArgumentException e) {
      vertx.close();
      throw e;
    }
    client = GrpcClient.client(vertx, grpc, http);
  }

  /** HTTP/2 options for kvctl's calls: plaintext, or TLS with the CA and client certificate given. */
  static HttpClientOptions transport(Tls tls) {
    HttpClientOptions http = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false);
    if (tls == null) {
      return http;
    }
    for (Path p : new Path[] {tls.ca(), tls.cert(), tls.key()}) {
      if (p != null && !Files.isReadable(p)) {
        throw new IllegalArgumentException(p + " does not exist or is not readable");
      }
    }
    // the CA is the identity check; nodes are reached by IP as often as by name
    http.setSsl(true).setUseAlpn(true).setVerifyHost(false);
    if (tls.ca() != null) {
      http.setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()));
    }
    if (tls.cert() != null) {
      http.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString()));
    }
    return http;
  }

  /** Where kvctl reaches a member for replica and operator calls: its peer port with a certificate, else its client port. */
  String addressOf(ReplicaProto.MemberInfo m) {
    return tls && !m.getPeerAddress().isEmpty() ? m.getPeerAddress() : m.getGrpcAddress();
  }

  /** A unary call whose failure carries the server's status message. */
  <Req, Resp> Resp call(String hostPort, ServiceMethod<Resp, Req> method, Req request) {
    // the gRPC deadline starts with the stream, which waits for the connection's HTTP/2 handshake:
    // a node that accepts connections but does not run (stopped, frozen) would hold kvctl forever
    return RpcCall.unary(client, PeerClients.address(hostPort), method, request)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(err -> io.vertx.core.Future.failedFuture(err instanceof java.util.concurrent.TimeoutException
            ? new RpcCall.Failure(io.vertx.grpc.common.GrpcStatus.DEADLINE_EXCEEDED, "no answer from " + hostPort + " within " + timeoutMs + " ms")
            : explained(err, hostPort)))
        .await();
  }

  /** A transport failure (a TLS mismatch, mostly) as what to do about it; anything else as it is. */
  private Throwable explained(Throwable err, String hostPort) {
    String why = err instanceof RpcCall.Failure ? null : TransportTrouble.explain(err, hostPort, tls);
    return why == null ? err : new RpcCall.Failure(io.vertx.grpc.common.GrpcStatus.UNAVAILABLE, why);
  }

  /** A server-streaming call; returns when the stream ended with OK. */
  <Req, Resp> void stream(String hostPort, ServiceMethod<Resp, Req> method, Req request,
                          Consumer<Resp> onMessage) {
    RpcCall.stream(client, PeerClients.address(hostPort), method, request, onMessage)
        .recover(err -> io.vertx.core.Future.failedFuture(explained(err, hostPort))).await();
  }

  @Override
  public void close() {
    vertx.close();
  }
}
