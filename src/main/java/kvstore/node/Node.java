package kvstore.node;

import kvstore.bus.LocalCodec;
import kvstore.http.HttpVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import kvstore.api.GrpcVerticle;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import kvstore.config.NodeConfig;
import kvstore.log.EventLog;
import kvstore.log.UnhandledErrors;
import kvstore.metrics.NodeMetrics;
import kvstore.membership.ClusterView;
import kvstore.membership.GossipVerticle;
import kvstore.membership.RingState;
import kvstore.streaming.MoveVerticle;
import kvstore.streaming.RingStateFile;
import kvstore.repair.AntiEntropyVerticle;
import kvstore.repair.RangeTrees;
import kvstore.replication.HintReplayVerticle;
import kvstore.security.ClusterTls;
import kvstore.security.ConnectionCap;
import kvstore.storage.RowCache;
import kvstore.security.ByteBudget;
import kvstore.storage.RowHashIndex;
import kvstore.storage.StorageReaderVerticle;
import kvstore.storage.StorageVerticle;
import kvstore.storage.WalCheckpointVerticle;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versions;
import kvstore.version.StallDetector;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One node: its verticles deployed in dependency order (storage, gossip, gRPC, anti-entropy, hint replay) and
 * undeployed in reverse, so in-flight requests finish before gossip and storage go away. The same
 * class runs the real process ({@code kvstore.cli.Main}) and the in-process test clusters.
 */
public final class Node {
  private final Vertx vertx;
  private final NodeConfig config;
  private final List<String> deployments = new ArrayList<>();
  private volatile boolean serving;
  private StallTicker stallTicker;
  private long contactTimer = -1;
  /** How far ahead of every version given out the clock's bound on disk is kept. */
  private static final long CLOCK_RESERVE_MS = 2000;
  private final io.vertx.core.Promise<Exit> exit = io.vertx.core.Promise.promise();

  /** Why the node must stop now: it left the cluster (code 0), or the cluster will not have it (code 1). */
  public record Exit(int code, String line) {
  }

  private Node(Vertx vertx, NodeConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  public NodeConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Completes when the node must stop: the process prints the line and exits with the code. */
  public Future<Exit> exit() {
    return exit.future();
  }

  /** Starts a node on {@code vertx}, which must not host another node (event-bus addresses are per Vertx). */
  /** A Vertx for one node, with Vert.x's own metrics recorded into the node's registry. */
  public static Vertx newVertx(NodeMetrics metrics, int eventLoops) {
    VertxOptions options = new VertxOptions().setPreferNativeTransport(false)
        // Vert.x's per-message event-bus and per-request HTTP meters are left out: every storage
        // request is an event-bus message and every RPC an HTTP/2 stream, their bookkeeping costs
        // more than it tells (~3% of put throughput), and our own meters already time the storage
        // commits and the RPCs
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
            .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.EVENT_BUS)
            .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.HTTP_SERVER)
            .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.HTTP_CLIENT));
    if (eventLoops > 0) {
      options.setEventLoopPoolSize(eventLoops);
    }
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(metrics.registry())).build();
  }

  public static Future<Node> start(Vertx vertx, NodeConfig config, NodeMetrics metrics) {
    registerCodecs(vertx.eventBus());
    Node node = new Node(vertx, config);
    EventLog log = new EventLog(config.nodeId(), config.traceOn());
    vertx.exceptionHandler(new UnhandledErrors(log));
    HybridLogicalClock clock = HybridLogicalClock.system(config.clockOffsetMs(), config.maxClockSkewMs());
    clock.onRefusal((seen, limit) -> {
      metrics.refused("clock_skew");
      log.warnLimited("clock-skew", "refused a time " + (seen - limit) / 1000 + " ms beyond this node's clock + maxClockSkewMs ("
          + config.maxClockSkewMs() + " ms); it is not observed and cannot become a version");
    });
    StallDetector stalls = new StallDetector(config.stallRefuseMs(), System.currentTimeMillis());
    node.stallTicker = new StallTicker(stalls, config.nodeId(), config.stallRefuseMs(), log);
    node.stallTicker.start();
    // the certificates are read once here and handed to every verticle that speaks TLS
    ClusterTls tls;
    try {
      tls = ClusterTls.of(config);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    // one cap per listener, shared by every instance serving it
    ConnectionCap clientConnections = new ConnectionCap("grpcPort", ConnectionCap.Limits.of(config.maxClientConnections(), config),
        config.firstRequestTimeoutMs(), false, metrics, log);
    // a secure peer port requires a cluster certificate at the handshake, which proves a connection
    ConnectionCap peerConnections = new ConnectionCap("peerPort", ConnectionCap.Limits.of(config.maxPeerConnections(), config),
        config.firstRequestTimeoutMs(), tls != null, metrics, log);
    // what requests may hold in memory, over every listener
    ByteBudget requestBytes = new ByteBudget(config.maxRequestBytesInFlight(), config.maxRequestBytesPerConnection());
    // the Merkle trees: kept current by the storage writer, read by anti-entropy and the replica service
    AtomicReference<RowHashIndex> index = new AtomicReference<>();
    // the index storage keeps is repair's Merkle trees: anti-entropy and the replica service read them as such
    java.util.function.Supplier<RangeTrees> trees = () -> (RangeTrees) index.get();
    // hot rows, read by the gRPC verticles; each commit drops the rows it changed
    RowCache cache = new RowCache(config.rowCacheEntries());
    metrics.watch(cache::size, () -> trees.get() == null ? 0 : trees.get().rowsScanned(),
        () -> trees.get() != null && trees.get().ready());
    AtomicReference<RingState> initial = new AtomicReference<>();
    java.util.function.Consumer<String> refused = line -> node.exit.tryComplete(new Exit(1, line));
    java.util.function.Consumer<String> left = line -> node.exit.tryComplete(new Exit(0, line));
    AtomicReference<NodeStateFile> state = new AtomicReference<>();
    return vertx.executeBlocking(() -> openState(vertx, config, clock, log), false).compose(f -> {
      state.set(f);
      clock.reserveAhead(Versions.fromMillis(CLOCK_RESERVE_MS), f::clockMark);
      node.contactTimer = vertx.setPeriodic(Math.max(1000, Math.min(60_000, config.tombstoneGraceMs() / 10)), t -> recordContact(vertx, f));
      return node.deploy(() -> new StorageVerticle(config, metrics, log, index, cache), 1);
    })
        .compose(v -> initialState(vertx, config, tls, log)).map(s -> {
          initial.set(s);
          return null;
        })
        .compose(v -> node.deploy(() -> new WalCheckpointVerticle(config, log), 1))
        .compose(v -> node.deploy(() -> new StorageReaderVerticle(config), config.storageReaders()))
        .compose(v -> node.deploy(() -> new GossipVerticle(config, tls, clock, metrics, log, initial.get(), state.get().state().generation(), state.get().state().joined(), refused,
            rememberedMembers(state.get().state(), log), state.get()::members), 1))
        .compose(v -> node.deploy(() -> new HttpVerticle(config, tls, clock, stalls, metrics, log, cache, requestBytes, () -> node.serving), 1))
        .compose(v -> node.deploy(() -> new GrpcVerticle(config, tls, clock, stalls, metrics, log, trees, cache, clientConnections, peerConnections, requestBytes), config.effectiveGrpcInstances()))
        .compose(v -> node.deploy(() -> new AntiEntropyVerticle(config, tls, metrics, log, trees), 1))
        .compose(v -> node.deploy(() -> new HintReplayVerticle(config, tls, clock, metrics, log), 1))
        .compose(v -> node.deploy(() -> new MoveVerticle(config, tls, log, initial.get(), left), 1))
        .map(v -> {
          node.serving = true;
          log.info("node " + config.nodeId() + " serving clients on " + config.grpcAddress() + (config.clientTls() ? " (TLS)" : "")
              + ", operators on http://" + config.httpAddress() + ", peers on " + config.peerAddress()
              + (config.insecure() ? " (INSECURE: no TLS, no authentication)" : " (mutual TLS)")
              + ", data in " + Path.of(config.dataDir()).toAbsolutePath());
          return node;
        })
        .recover(err -> node.stop().transform(ar -> Future.failedFuture(err)));
  }

  /**
   * Reads what the data directory says of itself and refuses another node's, another cluster's or
   * stale data ({@link StartChecks}); restores the clock's bound, takes a generation above every
   * earlier one, and records both before anything runs. Blocking: on a worker, at start only.
   */
  private static NodeStateFile openState(Vertx vertx, NodeConfig config, HybridLogicalClock clock, EventLog log) {
    Path dir = Path.of(config.dataDir());
    NodeStateFile.State recorded = NodeStateFile.read(dir);
    long now = System.currentTimeMillis();
    boolean member = java.nio.file.Files.exists(RingStateFile.path(config));
    String refusal = StartChecks.refusal(config.nodeId(), config.clusterName(), dir.toAbsolutePath().toString(), recorded, member, now,
        config.tombstoneGraceMs(), config.allowStaleRejoin());
    if (refusal != null) {
      throw new IllegalStateException(refusal);
    }
    if (java.nio.file.Files.exists(dir.resolve(kvstore.backup.Restore.MARKER))) {
      throw new IllegalStateException("a restore of this node did not finish (" + dir.resolve(kvstore.backup.Restore.MARKER)
          + " is there): run java -jar node.jar restore again with the same snapshot, then start the node");
    }
    long mark = recorded == null ? 0 : recorded.clockMark();
    long behindMs = Versions.toMillis(mark) - CLOCK_RESERVE_MS - clock.wallMillis();
    if (behindMs > 0) {
      log.warn("this node's wall clock is " + behindMs + " ms behind versions it gave out before it stopped (NTP step, restored VM?):"
          + " it stamps and expires values from that mark until its clock catches up; check its time source");
    }
    clock.restore(mark);
    long generation = Math.max(now, recorded == null ? 0 : recorded.generation() + 1);
    // a data directory's first run; one from before the field was recorded says nothing (0)
    long joined = recorded == null ? generation : recorded.joined();
    NodeStateFile.State s = new NodeStateFile.State(config.nodeId(), config.clusterName(), mark, generation,
        recorded == null ? 0 : recorded.lastContactMs(), recorded == null ? new io.vertx.core.json.JsonArray() : recorded.members(), joined);
    try {
      NodeStateFile.writeNow(dir, s);
    } catch (java.io.IOException e) {
      if (!kvstore.storage.DiskFull.causedBy(e)) {
        throw new IllegalStateException("dataDir " + dir.toAbsolutePath() + " cannot be written: " + e.getMessage());
      }
      // a full disk does not keep the node down: it serves reads and records the file once there is room
      log.warn("cannot write " + dir.resolve(NodeStateFile.NAME) + " now: the disk is full; it is written once there is room");
    }
    return new NodeStateFile(vertx, dir, s, log);
  }

  /** The members recorded when this node last ran; an entry that does not parse is left out (gossip brings it back). */
  private static java.util.List<kvstore.membership.Member> rememberedMembers(NodeStateFile.State s, EventLog log) {
    java.util.List<kvstore.membership.Member> out = new java.util.ArrayList<>();
    for (Object o : s.members()) {
      try {
        out.add(kvstore.membership.Member.fromJson(o));
      } catch (IllegalArgumentException e) {
        log.warn("a member recorded in " + NodeStateFile.NAME + " is left out: " + e.getMessage());
      }
    }
    return out;
  }

  /** Notes in the data directory that this node is in touch with its cluster: another member is UP. */
  private static void recordContact(Vertx vertx, NodeStateFile state) {
    vertx.eventBus().<ClusterView>request(GossipVerticle.VIEW_REQUEST, null).onSuccess(m -> {
      ClusterView v = m.body();
      if (v.members().keySet().stream().anyMatch(id -> !id.equals(v.selfId()) && v.isUp(id))) {
        state.contact(System.currentTimeMillis());
      }
    });
  }

  /**
   * How this node enters the ring: as it was (NORMAL) when it has been part of it; REPLACING (its
   * ranges streamed back first) when its dataDir is empty but the seeds remember it as a member;
   * JOINING when it never was and is not one of its own seeds (the seeds of a new cluster start
   * it, as in Cassandra), or when the seeds remember it as a member that left and its dataDir is
   * empty again; never with the dataDir it left with.
   */
  private static Future<RingState> initialState(Vertx vertx, NodeConfig config, ClusterTls tls, EventLog log) {
    return RingStateFile.read(vertx, config).compose(recorded -> {
      if (recorded.equals("LEFT")) {
        return Future.failedFuture(new LeftIdle.LeftCluster("node " + config.nodeId() + " has left the cluster; wipe its dataDir ("
            + Path.of(config.dataDir()).toAbsolutePath() + ") to join again as a new node"));
      }
      if (recorded.equals("NORMAL")) {
        return Future.succeededFuture(RingState.NORMAL);
      }
      if (!config.replaceNode().isEmpty()) {
        return Future.succeededFuture(RingState.REPLACING);
      }
      return SeedProbe.rememberedState(vertx, config, tls, log).compose(state -> {
        if (state == RingState.REPLACING || state == RingState.JOINING) {
          return Future.succeededFuture(state);
        }
        // a node with no seeds is a cluster of its own: nothing to join
        if (config.autoBootstrap() && !config.seeds().isEmpty() && !config.seeds().contains(config.peerAddress())) {
          return Future.succeededFuture(RingState.JOINING);
        }
        return RingStateFile.write(vertx, config, "NORMAL").map(v -> RingState.NORMAL);
      });
    });
  }

  private Future<Void> deploy(java.util.function.Supplier<io.vertx.core.Deployable> verticle, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances)).map(id -> {
      deployments.add(id);
      return null;
    });
  }

  private static void registerCodecs(EventBus bus) {
    bus.registerCodec(LocalCodec.any());
    bus.registerDefaultCodec(AntiEntropyVerticle.RepairNow.class, new LocalCodec<>(AntiEntropyVerticle.RepairNow.class));
    bus.registerDefaultCodec(ClusterView.class, new LocalCodec<>(ClusterView.class));
  }

  /** Undeploys in reverse order; storage last, after its queued writes committed. */
  public Future<Void> stop() {
    serving = false;
    if (stallTicker != null) {
      stallTicker.stop();
    }
    if (contactTimer >= 0) {
      vertx.cancelTimer(contactTimer);
    }
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id).recover(err -> Future.succeededFuture()));
    }
    return chain.onComplete(ar -> deployments.clear());
  }
}
