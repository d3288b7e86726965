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
import kvstore.storage.StorageRequests;
import kvstore.streaming.MoveVerticle;

import java.util.List;
import java.util.function.Supplier;

/**
 * The operators' calls (kvctl status, repair, decommission, removenode): this node's view of the
 * cluster and counters, and a repair or a range movement now, with progress.
 */
final class NodeAdmin {
  private final Vertx vertx;
  private final Supplier<ClusterView> view;
  private final int replicationFactor;
  private final int vnodes;
  private final String clusterName;
  private final String dataDir;
  private final Supplier<RangeTrees> trees;
  private final EventLog log;
  private final kvstore.metrics.NodeMetrics metrics;
  private final int storageTimeoutMs;
  private final long repairTimeoutMs;

  NodeAdmin(Vertx vertx, Supplier<ClusterView> view, kvstore.config.NodeConfig config, Supplier<RangeTrees> trees,
            kvstore.metrics.NodeMetrics metrics, EventLog log) {
    this.metrics = metrics;
    this.clusterName = config.clusterName();
    this.vertx = vertx;
    this.view = view;
    this.replicationFactor = config.replicationFactor();
    this.vnodes = config.vnodes();
    this.dataDir = config.dataDir();
    this.storageTimeoutMs = config.storageTimeoutMs();
    this.repairTimeoutMs = config.repairTimeoutMs();
    this.trees = trees;
    this.log = log;
  }

  public Future<ReplicaProto.NodeStatus> status(ReplicaProto.StatusRequest req) {
    EventBusStorage eb = new EventBusStorage(vertx.eventBus(), storageTimeoutMs);
    Future<JsonObject> members = vertx.eventBus().<JsonObject>request(GossipVerticle.MEMBERSHIP_REQUEST, null).map(m -> m.body());
    Future<Long> rows = eb.ask(new StorageRequests.Count());
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
    Future<Long> usable = vertx.executeBlocking(() -> java.nio.file.Files.getFileStore(java.nio.file.Path.of(dataDir)).getUsableSpace(), false)
        .otherwise(-1L);
    Future<byte[]> move = vertx.eventBus().<byte[]>request(MoveVerticle.STATUS, null).map(m -> m.body());
    Future<Long> snapshotBytes = vertx.executeBlocking(() -> snapshots().bytes(), false).otherwise(-1L);
    return GrpcErrors.mapped(Future.all(List.of(members, rows, hints, bytes, move, usable, snapshotBytes)).map(all -> {
      ReplicaProto.NodeStatus.Builder b = ReplicaProto.NodeStatus.newBuilder().setNodeId(view.get().selfId())
          .setRows(rows.result()).setDataBytes(bytes.result()).putAllHintsPending(hints.result())
          .setVnodes(vnodes).setReplicationFactor(replicationFactor).setGeneration(members.result().getLong("generation"));
      if (move.result() != null) {
        b.setMove(parse(move.result()));
      }
      b.setClusterName(clusterName).putAllStats(metrics.stats(System.currentTimeMillis())).putStats("disk.usable_bytes", usable.result())
          .putStats("disk.snapshot_bytes", snapshotBytes.result());
      RangeTrees t = trees.get();
      if (t != null) {
        b.setTreesReady(t.ready()).setTreesRowsScanned(t.rowsScanned());
      }
      for (Object o : members.result().getJsonArray("nodes")) {
        JsonObject n = (JsonObject) o;
        b.addMembers(ReplicaProto.MemberInfo.newBuilder().setNodeId(n.getString("nodeId")).setGrpcAddress(n.getString("grpcAddress"))
            .setHttpAddress(n.getString("httpAddress")).setPeerAddress(n.getString("peerAddress")).setStatus(n.getString("status")).setHeartbeat(n.getLong("heartbeat"))
            .setGeneration(n.getLong("generation")).setPhi(n.getDouble("phi", 0.0)).setState(n.getString("state", "NORMAL")));
      }
      return b.build();
    }), "status", log);
  }

  private kvstore.backup.Snapshots snapshots() {
    String self = view.get().selfId();
    List<Long> tokens = java.util.Arrays.stream(kvstore.ring.Ring.of(List.of(self), vnodes).tokens()).boxed().toList();
    return new kvstore.backup.Snapshots(java.nio.file.Path.of(dataDir),
        new kvstore.backup.Snapshots.Owner(self, clusterName, replicationFactor, vnodes, tokens), System::currentTimeMillis);
  }

  /** kvctl snapshot: create, list or delete this node's snapshots, on a worker thread (a snapshot of a large database takes a while). */
  Future<ReplicaProto.SnapshotResult> snapshot(ReplicaProto.SnapshotRequest req) {
    String action = req.getAction();
    if (!List.of("create", "list", "delete").contains(action)) {
      return Future.failedFuture(new io.vertx.grpc.server.StatusException(GrpcStatus.INVALID_ARGUMENT,
          "action must be create, list or delete, not " + EventLog.quote(action)));
    }
    String bad = action.equals("list") ? null : kvstore.backup.Snapshots.invalidName(req.getName());
    if (bad != null) {
      return Future.failedFuture(new io.vertx.grpc.server.StatusException(GrpcStatus.INVALID_ARGUMENT, bad));
    }
    kvstore.backup.Snapshots snaps = snapshots();
    long t0 = System.nanoTime();
    return GrpcErrors.mapped(vertx.executeBlocking(() -> {
      ReplicaProto.SnapshotResult.Builder b = ReplicaProto.SnapshotResult.newBuilder().setNodeId(view.get().selfId());
      switch (action) {
        case "create" -> {
          kvstore.backup.SnapshotManifest m;
          try {
            m = snaps.create(req.getName());
          } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new io.vertx.grpc.server.StatusException(GrpcStatus.ALREADY_EXISTS, e.getMessage());
          }
          b.addSnapshots(info(m));
          log.info(String.format("[SNAPSHOT] created '%s': %d rows, %d bytes in %.1f s", m.name(), m.rows(), m.bytes(),
              (System.nanoTime() - t0) / 1e9));
        }
        case "delete" -> {
          if (!snaps.delete(req.getName())) {
            throw new io.vertx.grpc.server.StatusException(GrpcStatus.NOT_FOUND, "no snapshot " + EventLog.quote(req.getName())
                + " on " + view.get().selfId());
          }
          log.info("[SNAPSHOT] deleted '" + req.getName() + "'");
          snaps.list().forEach(m -> b.addSnapshots(info(m)));
        }
        default -> snaps.list().forEach(m -> b.addSnapshots(info(m)));
      }
      return b.setBytes(snaps.bytes()).setMillis((System.nanoTime() - t0) / 1_000_000).build();
    }, false), "snapshot " + action, log);
  }

  private static ReplicaProto.SnapshotInfo info(kvstore.backup.SnapshotManifest m) {
    return ReplicaProto.SnapshotInfo.newBuilder().setName(m.name()).setCreatedMs(m.createdMs()).setRows(m.rows()).setBytes(m.bytes()).build();
  }

  void decommission(ReplicaProto.DecommissionRequest req, WriteStream<ReplicaProto.MoveProgress> out) {
    if (req.getAbort()) {
      abort("decommission", "", out);
      return;
    }
    move(MoveVerticle.DECOMMISSION, "", out);
  }

  /** Ends a move that failed half-way (the rings as before it); answered with one final MoveProgress, or FAILED_PRECONDITION saying why not. */
  private void abort(String kind, String nodeId, WriteStream<ReplicaProto.MoveProgress> out) {
    GrpcServerResponse<?, ReplicaProto.MoveProgress> resp = (GrpcServerResponse<?, ReplicaProto.MoveProgress>) out;
    vertx.eventBus().<String>request(MoveVerticle.ABORT, nodeId, new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(120_000))
        .onSuccess(m -> resp.end(ReplicaProto.MoveProgress.newBuilder().setKind(kind + " abort").setDone(true).setMessage(m.body()).build()))
        .onFailure(err -> resp.status(GrpcStatus.FAILED_PRECONDITION).statusMessage(err.getMessage()).end());
  }

  void cleanup(WriteStream<ReplicaProto.MoveProgress> out) {
    move(MoveVerticle.CLEANUP, "", out);
  }

  void removeNode(ReplicaProto.RemoveNodeRequest req, WriteStream<ReplicaProto.MoveProgress> out) {
    if (!kvstore.membership.Member.NODE_ID.matcher(req.getNodeId()).matches()) {
      ((GrpcServerResponse<?, ?>) out).status(GrpcStatus.INVALID_ARGUMENT)
          .statusMessage("node_id must be 1..64 letters, digits, '.', '_' or '-'").end();
      return;
    }
    if (req.getAbort()) {
      abort("removenode", req.getNodeId(), out);
      return;
    }
    move(MoveVerticle.REMOVE_NODE, req.getNodeId(), out);
  }

  /** Starts a move and streams its progress until it is done; a refusal (another change in progress) is FAILED_PRECONDITION. */
  private void move(String address, String body, WriteStream<ReplicaProto.MoveProgress> out) {
    GrpcServerResponse<?, ReplicaProto.MoveProgress> resp = (GrpcServerResponse<?, ReplicaProto.MoveProgress>) out;
    io.vertx.core.eventbus.MessageConsumer<byte[]> steps = vertx.eventBus().consumer(MoveVerticle.PROGRESS);
    steps.handler(m -> {
      ReplicaProto.MoveProgress p = parse(m.body());
      if (p.getDone()) {
        steps.unregister();
        resp.end(p);
      } else {
        resp.write(p);
      }
    });
    vertx.eventBus().request(address, body).onFailure(err -> {
      steps.unregister();
      resp.status(GrpcStatus.FAILED_PRECONDITION).statusMessage(err.getMessage()).end();
    });
  }

  private static ReplicaProto.MoveProgress parse(byte[] b) {
    try {
      return ReplicaProto.MoveProgress.parseFrom(b);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("unreadable move progress", e);
    }
  }

  void repair(ReplicaProto.RepairRequest req, WriteStream<ReplicaProto.RepairProgress> out) {
    GrpcServerResponse<?, ReplicaProto.RepairProgress> resp = (GrpcServerResponse<?, ReplicaProto.RepairProgress>) out;
    if (req.getRowsPerSec() < 0) {
      resp.status(GrpcStatus.INVALID_ARGUMENT).statusMessage("rows_per_sec must be >= 0 (0: the node's antiEntropyRowsPerSec), got "
          + req.getRowsPerSec()).end();
      return;
    }
    String progress = "kv.repair.progress." + java.util.UUID.randomUUID();
    io.vertx.core.eventbus.MessageConsumer<byte[]> steps = vertx.eventBus().consumer(progress,
        m -> resp.write(parseRepair(m.body())));
    vertx.eventBus().<byte[]>request(AntiEntropyVerticle.REPAIR_NOW,
        new AntiEntropyVerticle.RepairNow(req.getPeer(), req.getRowsPerSec(), progress),
        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(repairTimeoutMs)).onComplete(ar -> {
          steps.unregister();
          if (ar.failed()) {
            resp.status(GrpcStatus.FAILED_PRECONDITION).statusMessage("repair: " + ar.cause().getMessage()).end();
          } else {
            resp.end(parseRepair(ar.result().body()));
          }
        });
  }

  private static ReplicaProto.RepairProgress parseRepair(byte[] b) {
    try {
      return ReplicaProto.RepairProgress.parseFrom(b);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("unreadable repair progress", e);
    }
  }
}
