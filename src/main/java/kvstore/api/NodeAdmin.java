package kvstore.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import kvstore.log.EventLog;
import kvstore.membership.ClusterView;
import kvstore.membership.GossipVerticle;
import kvstore.repair.AntiEntropyVerticle;
import kvstore.repair.RangeTrees;
import kvstore.replica.proto.ReplicaProto;
import kvstore.storage.EventBusStorage;

import java.util.List;
import java.util.function.Supplier;

/** The operators' calls (kvctl status and repair): this node's view of the cluster and counters, and a repair now with progress. */
final class NodeAdmin {
  private final Vertx vertx;
  private final Supplier<ClusterView> view;
  private final int replicationFactor;
  private final int vnodes;
  private final String dataDir;
  private final Supplier<RangeTrees> trees;
  private final EventLog log;

  NodeAdmin(Vertx vertx, Supplier<ClusterView> view, int replicationFactor, int vnodes, String dataDir, Supplier<RangeTrees> trees,
            EventLog log) {
    this.vertx = vertx;
    this.view = view;
    this.replicationFactor = replicationFactor;
    this.vnodes = vnodes;
    this.dataDir = dataDir;
    this.trees = trees;
    this.log = log;
  }

  public Future<ReplicaProto.NodeStatus> status(ReplicaProto.StatusRequest req) {
    EventBusStorage eb = new EventBusStorage(vertx.eventBus(), 10_000);
    Future<JsonObject> members = vertx.eventBus().<JsonObject>request(GossipVerticle.MEMBERSHIP_REQUEST, null).map(m -> m.body());
    Future<Long> rows = eb.count();
    Future<java.util.Map<String, Long>> hints = eb.hintCounts();
    Future<Long> bytes = vertx.executeBlocking(() -> {
      long total = 0;
      for (String f : List.of("kv.db", "kv.db-wal", "kv.db-shm")) {
        java.nio.file.Path p = java.nio.file.Path.of(dataDir, f);
        if (java.nio.file.Files.exists(p)) {
          total += java.nio.file.Files.size(p);
        }
      }
      return total;
    }, false);
    return GrpcErrors.mapped(Future.all(members, rows, hints, bytes).map(all -> {
      ReplicaProto.NodeStatus.Builder b = ReplicaProto.NodeStatus.newBuilder().setNodeId(view.get().selfId())
          .setRows(rows.result()).setDataBytes(bytes.result()).putAllHintsPending(hints.result())
          .setVnodes(vnodes).setReplicationFactor(replicationFactor).setGeneration(members.result().getLong("generation"));
      RangeTrees t = trees.get();
      if (t != null) {
        b.setTreesReady(t.ready()).setTreesRowsScanned(t.rowsScanned());
      }
      for (Object o : members.result().getJsonArray("nodes")) {
        JsonObject n = (JsonObject) o;
        b.addMembers(ReplicaProto.MemberInfo.newBuilder().setNodeId(n.getString("nodeId")).setGrpcAddress(n.getString("grpcAddress"))
            .setHttpAddress(n.getString("httpAddress")).setPeerAddress(n.getString("peerAddress")).setStatus(n.getString("status")).setHeartbeat(n.getLong("heartbeat"))
            .setGeneration(n.getLong("generation")).setPhi(n.getDouble("phi", 0.0)));
      }
      return b.build();
    }), "status", log);
  }

  void repair(ReplicaProto.RepairRequest req, WriteStream<ReplicaProto.RepairProgress> out) {
    GrpcServerResponse<?, ReplicaProto.RepairProgress> resp = (GrpcServerResponse<?, ReplicaProto.RepairProgress>) out;
    String progress = "kv.repair.progress." + java.util.UUID.randomUUID();
    io.vertx.core.eventbus.MessageConsumer<JsonObject> steps = vertx.eventBus().consumer(progress, m -> {
      if (!m.body().getBoolean("done", false)) {
        resp.write(progressOf(m.body()));
      }
    });
    JsonObject body = new JsonObject().put("progress", progress);
    if (!req.getPeer().isEmpty()) {
      body.put("peer", req.getPeer());
    }
    if (req.getRowsPerSec() < 0) {
      resp.status(GrpcStatus.INVALID_ARGUMENT).statusMessage("rows_per_sec must be >= 0 (0: the node's antiEntropyRowsPerSec), got "
          + req.getRowsPerSec()).end();
      steps.unregister();
      return;
    }
    if (req.getRowsPerSec() > 0) {
      body.put("rowsPerSec", req.getRowsPerSec());
    }
    vertx.eventBus().<JsonObject>request(AntiEntropyVerticle.REPAIR_NOW, body,
        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(24L * 3600 * 1000)).onComplete(ar -> {
          steps.unregister();
          if (ar.failed()) {
            resp.status(GrpcStatus.FAILED_PRECONDITION).statusMessage("repair: " + ar.cause().getMessage()).end();
          } else {
            resp.end(progressOf(ar.result().body()));
          }
        });
  }

  private static ReplicaProto.RepairProgress progressOf(JsonObject t) {
    StringBuilder failed = new StringBuilder();
    for (Object f : t.getJsonArray("failed", new io.vertx.core.json.JsonArray())) {
      failed.append(failed.isEmpty() ? "failed: " : "; ").append(f);
    }
    return ReplicaProto.RepairProgress.newBuilder().setPeer(t.getString("peer", "")).setPeersDone(t.getInteger("peersDone", 0))
        .setPeersTotal(t.getInteger("peersTotal", 0)).setRangesCompared(t.getInteger("rangesCompared", 0))
        .setRangesDiffering(t.getInteger("rangesDiffering", 0)).setLeavesDiffering(t.getLong("leavesDiffering", 0L))
        .setRowsPulled(t.getLong("rowsPulled", 0L)).setRowsPushed(t.getLong("rowsPushed", 0L)).setBytes(t.getLong("bytes", 0L))
        .setMillis(t.getLong("millis", 0L)).setDone(t.getBoolean("done", false)).setMessage(failed.toString()).build();
  }
}
