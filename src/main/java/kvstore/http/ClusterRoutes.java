package kvstore.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import kvstore.api.ClientStack;
import kvstore.config.NodeConfig;
import kvstore.log.EventLog;
import kvstore.membership.ClusterView;
import kvstore.membership.GossipVerticle;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.rpc.RpcCall;
import kvstore.version.Versioned;
import kvstore.version.Versions;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the console shows and does: the members with their counters ({@code GET /v1/cluster}, each
 * node's own Status over the peer port), where a key lives ({@code GET /v1/where/{key}}) and the
 * operator actions, which stream their progress as one JSON object per line
 * ({@code POST /v1/admin/repair|decommission|cleanup}).
 */
final class ClusterRoutes {
  private static final long STATUS_TIMEOUT_MS = 1500;

  private final Vertx vertx;
  private final NodeConfig config;
  private final Supplier<ClusterView> view;
  private final ClientStack stack;
  private final OperatorGate gate;
  private final EventLog log;

  ClusterRoutes(Vertx vertx, NodeConfig config, Supplier<ClusterView> view, ClientStack stack, OperatorGate gate, EventLog log) {
    this.vertx = vertx;
    this.config = config;
    this.view = view;
    this.stack = stack;
    this.gate = gate;
    this.log = log;
  }

  void mount(Router router) {
    router.get("/v1/cluster").handler(this::cluster);
    router.get("/v1/where/*").handler(this::where);
    router.post("/v1/admin/repair").handler(ctx -> {
      if (gate.check(ctx)) {
        stream(ctx, ReplicaGrpcClient.Repair, ReplicaProto.RepairRequest.newBuilder().build(), ClusterRoutes::repairJson);
      }
    });
    router.post("/v1/admin/decommission").handler(ctx -> {
      if (gate.check(ctx)) {
        stream(ctx, ReplicaGrpcClient.Decommission, ReplicaProto.DecommissionRequest.getDefaultInstance(), ClusterRoutes::moveJson);
      }
    });
    router.post("/v1/admin/cleanup").handler(ctx -> {
      if (gate.check(ctx)) {
        stream(ctx, ReplicaGrpcClient.Cleanup, ReplicaProto.CleanupRequest.getDefaultInstance(), ClusterRoutes::moveJson);
      }
    });
  }

  private static SocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return SocketAddress.inetSocketAddress(Integer.parseInt(hostPort.substring(colon + 1)), hostPort.substring(0, colon));
  }

  private void cluster(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(GossipVerticle.MEMBERSHIP_REQUEST, null).onComplete(ar -> {
      if (ar.failed()) {
        JsonAnswers.failure(ctx, ar.cause(), "GET /v1/cluster", log);
        return;
      }
      JsonArray members = ar.result().body().getJsonArray("nodes");
      List<Future<JsonObject>> rows = new ArrayList<>();
      for (Object o : members) {
        JsonObject m = ((JsonObject) o).copy();
        m.remove("heartbeat");
        String status = m.getString("status");
        if (status.equals("LEFT") || status.equals("DOWN")) {
          rows.add(Future.succeededFuture(m));
          continue;
        }
        rows.add(RpcCall.unary(stack.peers, address(m.getString("peerAddress")), ReplicaGrpcClient.Status,
                ReplicaProto.StatusRequest.getDefaultInstance())
            .timeout(STATUS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .map(s -> withStatus(m, s))
            .otherwise(err -> m.put("error", "no status: " + err.getMessage())));
      }
      Future.join(rows).onComplete(done -> {
        ClusterView v = view.get();
        JsonArray nodes = new JsonArray();
        rows.forEach(f -> nodes.add(f.result()));
        JsonArray ring = new JsonArray();
        Map<String, Double> primary = v.ring().ownership();
        Map<String, Double> replica = v.ring().replicaOwnership(config.replicationFactor());
        for (String n : v.ring().nodes()) {
          ring.add(new JsonObject().put("nodeId", n).put("primary", primary.get(n)).put("replica", replica.get(n)));
        }
        JsonAnswers.ok(ctx, 200, new JsonObject().put("self", config.nodeId()).put("clusterName", config.clusterName())
            .put("replicationFactor", config.replicationFactor()).put("vnodes", config.vnodes())
            .put("secure", !config.insecure()).put("operator", gate.admits(ctx))
            .put("nodes", nodes).put("ring", ring));
      });
    });
  }

  private static JsonObject withStatus(JsonObject m, ReplicaProto.NodeStatus s) {
    long hints = s.getHintsPendingMap().values().stream().mapToLong(Long::longValue).sum();
    m.put("rows", s.getRows()).put("dataBytes", s.getDataBytes()).put("hintsPending", hints)
        .put("treesReady", s.getTreesReady()).put("treesRowsScanned", s.getTreesRowsScanned());
    if (s.hasMove()) {
      m.put("move", moveJson(s.getMove()));
    }
    JsonObject stats = new JsonObject();
    s.getStatsMap().forEach(stats::put);
    return m.put("stats", stats);
  }

  static JsonObject moveJson(ReplicaProto.MoveProgress p) {
    return new JsonObject().put("kind", p.getKind()).put("rangesDone", p.getRangesDone()).put("rangesTotal", p.getRangesTotal())
        .put("rows", p.getRows()).put("bytes", p.getBytes()).put("millis", p.getMillis()).put("done", p.getDone())
        .put("failed", p.getFailed()).put("message", p.getMessage());
  }

  static JsonObject repairJson(ReplicaProto.RepairProgress p) {
    return new JsonObject().put("kind", "repair").put("peer", p.getPeer()).put("peersDone", p.getPeersDone())
        .put("peersTotal", p.getPeersTotal()).put("rangesCompared", p.getRangesCompared()).put("rangesDiffering", p.getRangesDiffering())
        .put("rowsPulled", p.getRowsPulled()).put("rowsPushed", p.getRowsPushed()).put("bytes", p.getBytes())
        .put("millis", p.getMillis()).put("done", p.getDone()).put("message", p.getMessage());
  }

  /** Where a key lives: its replicas in the ring reads use, and what each holds (a hash of the value, never the value). */
  private void where(RoutingContext ctx) {
    String key;
    try {
      key = KeyRoutes.decode(ctx.request().path().substring("/v1/where/".length()));
      stack.limits.checkKey(com.google.protobuf.ByteString.copyFromUtf8(key));
    } catch (IllegalArgumentException e) {
      JsonAnswers.error(ctx, 400, e.getMessage());
      return;
    } catch (io.vertx.grpc.server.StatusException e) {
      JsonAnswers.error(ctx, 400, e.message());
      return;
    }
    ClusterView v = view.get();
    List<String> prefs = v.ring().preferenceList(key, config.replicationFactor());
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (String id : prefs) {
      JsonObject r = new JsonObject().put("nodeId", id).put("status", v.member(id) == null ? "UNKNOWN" : v.member(id).status().name());
      answers.add(stack.replicas.apply(id).read(key).timeout(config.requestTimeoutMs(), TimeUnit.MILLISECONDS)
          .map(row -> holding(r, row)).otherwise(err -> r.put("error", "unreachable: " + err.getMessage())));
    }
    Future.join(answers).onComplete(done -> {
      JsonArray replicas = new JsonArray();
      answers.forEach(f -> replicas.add(f.result()));
      JsonAnswers.ok(ctx, 200, new JsonObject().put("key", key).put("token", kvstore.ring.Ring.token(key)).put("replicas", replicas));
    });
  }

  private static JsonObject holding(JsonObject r, Versioned row) {
    if (row == null) {
      return r.put("present", false);
    }
    r.put("present", true).put("version", Versions.toMillis(row.version())).put("tombstone", row.tombstone())
        .put("bytes", row.value().length);
    if (row.expiresAtMs() != 0) {
      r.put("expiresAt", row.expiresAtMs()).put("expired", row.expiresAtMs() <= System.currentTimeMillis());
    }
    if (!row.tombstone()) {
      try {
        r.put("valueSha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(row.value()), 0, 8));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return r;
  }

  /** Runs an operator call on this node's own peer port and streams its progress, one JSON object per line. */
  private <Req, Resp> void stream(RoutingContext ctx, io.vertx.grpc.common.ServiceMethod<Resp, Req> method, Req req,
                                  java.util.function.Function<Resp, JsonObject> json) {
    HttpServerResponse resp = ctx.response();
    boolean[] started = {false};
    Consumer<Resp> onMessage = m -> {
      if (!started[0]) {
        started[0] = true;
        resp.setChunked(true).putHeader("content-type", "application/x-ndjson");
      }
      resp.write(json.apply(m).encode() + "\n");
    };
    log.info("[CONSOLE] " + method.methodName() + " asked from " + ctx.request().remoteAddress());
    RpcCall.stream(stack.peers, address(config.peerAddress()), method, req, onMessage).onComplete(ar -> {
      if (ar.succeeded()) {
        if (!started[0]) {
          JsonAnswers.ok(ctx, 200, new JsonObject().put("done", true));
        } else {
          resp.end();
        }
      } else if (!started[0]) {
        int status = ar.cause() instanceof RpcCall.Failure f ? JsonAnswers.httpStatus(f.status()) : 500;
        JsonAnswers.error(ctx, status, ar.cause().getMessage());
      } else {
        resp.end(new JsonObject().put("done", true).put("failed", true).put("message", ar.cause().getMessage()).encode() + "\n");
      }
    });
  }
}
