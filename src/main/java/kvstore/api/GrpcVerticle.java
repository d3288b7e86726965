package kvstore.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import kv.KeyValueGrpcService;
import kvstore.config.NodeConfig;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.reflection.ReflectionService;
import kvstore.metrics.NodeMetrics;
import kvstore.membership.ViewSubscription;
import kvstore.node.EventLog;
import kvstore.node.FlushBatching;
import kvstore.node.PeerClients;
import kvstore.replica.proto.ReplicaGrpcService;
import kvstore.replication.Coordinator;
import kvstore.replication.HintSink;
import kvstore.replication.StorageHintSink;
import kvstore.replication.LocalReplica;
import kvstore.replication.ReplicaDirectory;
import kvstore.repair.RangeTrees;
import kvstore.storage.EventBusStorage;
import kvstore.storage.RowCache;
import kvstore.storage.SplitStorage;
import kvstore.storage.SqliteReader;
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
  private GrpcClient peers;
  private SqliteReader reader;

  private final AtomicReference<RangeTrees> trees;
  private final RowCache cache;

  public GrpcVerticle(NodeConfig config, HybridLogicalClock clock, NodeMetrics metrics, EventLog log,
                      AtomicReference<RangeTrees> trees,
                      RowCache cache) {
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
      EventBusStorage bus = new EventBusStorage(vertx.eventBus(), 30_000);
      reader = new SqliteReader(vertx, java.nio.file.Path.of(config.dataDir()), config.storageSync(), 1);
      SplitStorage storage = new SplitStorage(reader, bus, cache);
      LocalReplica local = new LocalReplica(config.nodeId(), storage, clock, config.replicaBatchBytes(), metrics.batchSizes(NodeMetrics.BatchKind.LOCAL_WRITE));
      peers = PeerClients.create(vertx, config);
      ReplicaDirectory directory = new ReplicaDirectory(local, peers, clock, view, config.replicaBatchBytes(), metrics);
      HintSink hints = config.hintedHandoff() ? new StorageHintSink(bus, metrics, log) : HintSink.NONE;
      Coordinator coordinator = new Coordinator(view, directory, clock, config.replicationFactor(), hints,
          config.hintWindowMs(), metrics, log);
      RequestLimits limits = new RequestLimits(config.maxKeyBytes(), config.maxValueBytes());
      GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(config.maxMessageBytes()));
      grpc.addService(KeyValueGrpcService.of(new KeyValueApi(vertx, config.nodeId(), coordinator, storage, clock, limits,
          config.writeConsistency(), config.readConsistency(), metrics, log)));
      grpc.addService(ReplicaGrpcService.of(new ReplicaApi(vertx, storage, clock, limits, config.replicaBatchBytes(), view,
          config.replicationFactor(), config.vnodes(), config.dataDir(), log, trees)));
      // grpc.health.v1 for load balancers and Docker; NOT_SERVING as soon as shutdown begins
      HealthService health = HealthService.create(vertx);
      health.register("", () -> Future.succeededFuture(serving));
      health.register("kv.KeyValue", () -> Future.succeededFuture(serving));
      grpc.addService(health);
      // server reflection, so `grpcurl -plaintext host:port list` works without the .proto files
      grpc.addService(ReflectionService.v1());
      long[] expected = {System.nanoTime() + LAG_PROBE_MS * 1_000_000};
      lagTimer = vertx.setPeriodic(LAG_PROBE_MS, t -> {
        long now = System.nanoTime();
        metrics.eventLoopLag(now - expected[0]);
        expected[0] = now + LAG_PROBE_MS * 1_000_000;
      });
      return vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.grpcPort()))
          .connectionHandler(FlushBatching::install)
          .requestHandler(grpc)
          .listen()
          .recover(err -> Future.failedFuture(new IllegalStateException(
              "cannot listen on grpcPort " + config.host() + ":" + config.grpcPort() + ": " + err.getMessage())));
    }).map(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    serving = false;
    if (lagTimer >= 0) {
      vertx.cancelTimer(lagTimer);
    }
    // stop accepting, let in-flight calls finish (bounded), then drop peer connections
    Future<Void> closed = server == null ? Future.succeededFuture() : server.shutdown(10, TimeUnit.SECONDS);
    return closed.eventually(() -> peers == null ? Future.succeededFuture() : peers.close())
        .eventually(() -> reader == null ? Future.succeededFuture() : reader.close());
  }
}
