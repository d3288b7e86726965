package kvstore.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import kvstore.config.NodeConfig;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.reflection.ReflectionService;
import kvstore.metrics.NodeMetrics;
import kvstore.membership.ViewSubscription;
import kvstore.log.EventLog;
import kvstore.rpc.FlushBatching;
import kvstore.security.ClusterTls;
import kvstore.security.ByteBudget;
import kvstore.security.ConnectionCap;
import kvstore.security.RequestBytesGuard;
import kvstore.replica.proto.ReplicaGrpcService;
import kvstore.repair.RangeTrees;
import kvstore.storage.RowCache;
import kvstore.storage.SplitStorage;
import kvstore.version.HybridLogicalClock;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;

/**
 * Serves {@code kv.KeyValue} and {@code kvreplica.Replica} on the gRPC port. Several instances share
 * the port (Vert.x hands each new connection to the next instance); each has its own coordinator and
 * its own peer connections, so nothing on the request path is shared between event loops.
 */
public final class GrpcVerticle extends VerticleBase {
  private static final long LAG_PROBE_MS = 100;
  private final NodeConfig config;
  private final HybridLogicalClock clock;
  private final EventLog log;
  private final NodeMetrics metrics;
  private volatile boolean serving = true;
  private long lagTimer = -1;
  private HttpServer server;
  private ClientStack stack;

  private final java.util.function.Supplier<RangeTrees> trees;
  private final RowCache cache;

  private final ConnectionCap clientConnections;
  private final ConnectionCap peerConnections;
  private HttpServer peerServer;

  private final ClusterTls tls;
  private final ByteBudget requestBytes;
  private final kvstore.version.StallDetector stalls;

  public GrpcVerticle(NodeConfig config, ClusterTls tls, HybridLogicalClock clock, kvstore.version.StallDetector stalls, NodeMetrics metrics,
                      EventLog log, java.util.function.Supplier<RangeTrees> trees, RowCache cache, ConnectionCap clientConnections,
                      ConnectionCap peerConnections, ByteBudget requestBytes) {
    this.requestBytes = requestBytes;
    this.tls = tls;
    this.stalls = stalls;
    this.clientConnections = clientConnections;
    this.peerConnections = peerConnections;
    this.trees = trees;
    this.cache = cache;
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.log = log;
  }

  @Override
  public Future<?> start() {
    return ViewSubscription.subscribe(vertx, v -> { }).compose(view -> {
      stack = ClientStack.create(vertx, config, tls, clock, stalls, metrics, log, cache, view);
      SplitStorage storage = stack.storage;
      RequestLimits limits = stack.limits;
      KeyValueApi keyValue = stack.keyValue;
      ReplicaApi replica = new ReplicaApi(new ReplicaRows(storage, clock, limits, config.replicaBatchBytes(), log),
          new TreeExchange(vertx, storage, limits, trees, log),
          new NodeAdmin(vertx, view, config, trees, metrics, log), new ImportRows(stack.coordinator, limits, log),
          new PaxosAcceptor(stack.local, clock, limits, log));
      GrpcServerOptions grpcOptions = new GrpcServerOptions().setMaxMessageSize(config.maxMessageBytes());
      GrpcServer client = GrpcServer.server(vertx, grpcOptions);
      client.addService(new KeyValueBinding(keyValue));
      GrpcServer peer = GrpcServer.server(vertx, grpcOptions);
      peer.addService(new KeyValueBinding(keyValue));
      peer.addService(ReplicaGrpcService.of(replica));
      if (tls == null) {
        // insecure: one trust level, so the client port also answers node-to-node and operator calls
        client.addService(ReplicaGrpcService.of(replica));
      }
      // grpc.health.v1 for load balancers and Docker; NOT_SERVING as soon as shutdown begins
      HealthService health = HealthService.create(vertx);
      health.register("", () -> Future.succeededFuture(serving));
      health.register("kv.KeyValue", () -> Future.succeededFuture(serving));
      client.addService(health);
      // server reflection, so `grpcurl -plaintext host:port list` works without the .proto files
      client.addService(ReflectionService.v1());
      long[] expected = {System.nanoTime() + LAG_PROBE_MS * 1_000_000};
      lagTimer = vertx.setPeriodic(LAG_PROBE_MS, t -> {
        long now = System.nanoTime();
        metrics.eventLoopLag(now - expected[0]);
        expected[0] = now + LAG_PROBE_MS * 1_000_000;
      });
      HttpServerOptions clientOptions = idle(new HttpServerOptions().setHost(config.listenHost()).setPort(config.grpcPort()));
      if (config.clientTls()) {
        tls.clientServer(clientOptions, config.clientCertRequired());
      }
      TrustBoundary boundary = new TrustBoundary(tls, config.peerAddress(), metrics, log);
      io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> clientHandler = req -> {
        if (!TrustBoundary.isGrpc(req)) {
          boundary.refuseNonGrpc(req);
        } else if (tls != null && TrustBoundary.internal(req.path())) {
          boundary.refuseOnClientPort(req);
        } else {
          client.handle(req);
        }
      };
      io.vertx.ext.web.Router gossip = kvstore.membership.GossipRoute.router(vertx, config.maxGossipBodyBytes(), log);
      HttpServerOptions peerOptions = idle(new HttpServerOptions().setHost(config.listenHost()).setPort(config.peerPort()));
      if (tls != null) {
        tls.peerServer(peerOptions);
      }
      Future<HttpServer> clientPort = vertx.createHttpServer(clientOptions)
          .connectionHandler(c -> {
            if (clientConnections.admit(c)) {
              RequestBytesGuard.install(c, requestBytes, "grpcPort", metrics, log);
              FlushBatching.install(c);
            }
          })
          .requestHandler(clientHandler)
          .listen()
          .recover(err -> Future.failedFuture(new IllegalStateException(
              "cannot listen on grpcPort " + config.listenHost() + ":" + config.grpcPort() + ": " + err.getMessage())));
      return clientPort.compose(s -> {
        server = s;
        clientConnections.install(s);
        return vertx.createHttpServer(peerOptions)
            .connectionHandler(c -> {
              if (peerConnections.admit(c)) {
                RequestBytesGuard.install(c, requestBytes, "peerPort", metrics, log);
                FlushBatching.install(c);
              }
            })
            .requestHandler(req -> {
              if (!boundary.admitOnPeerPort(req)) {
                return;
              }
              if (TrustBoundary.isGrpc(req)) {
                peer.handle(req);
              } else {
                gossip.handle(req);
              }
            })
            .listen()
            .recover(err -> Future.failedFuture(new IllegalStateException(
                "cannot listen on peerPort " + config.listenHost() + ":" + config.peerPort() + ": " + err.getMessage())));
      });
    }).map(s -> {
      peerConnections.install(s);
      return peerServer = s;
    });
  }

  private HttpServerOptions idle(HttpServerOptions o) {
    return o.setIdleTimeout(config.idleTimeoutMs()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  @Override
  public Future<?> stop() {
    serving = false;
    if (lagTimer >= 0) {
      vertx.cancelTimer(lagTimer);
    }
    // stop accepting, let in-flight calls finish (bounded), then drop peer connections
    Future<Void> closed = Future.all(server == null ? Future.succeededFuture() : server.shutdown(10, TimeUnit.SECONDS),
        peerServer == null ? Future.succeededFuture() : peerServer.shutdown(10, TimeUnit.SECONDS)).mapEmpty();
    return closed.eventually(() -> stack == null ? Future.succeededFuture() : stack.close());
  }
}
