package kvstore.api;

import com.google.protobuf.UnsafeByteOperations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.core.json.JsonObject;
import kvstore.membership.ClusterView;
import kvstore.membership.GossipVerticle;
import kvstore.repair.AntiEntropyVerticle;
import kvstore.storage.EventBusStorage;
import kvstore.node.EventLog;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replica.proto.ReplicaService;
import kvstore.replication.RemoteReplica;
import kvstore.repair.ChunkDigest;
import kvstore.repair.SharedKeys;
import kvstore.ring.Chunks;
import kvstore.storage.Storage;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** The node-to-node service {@code kvreplica.Replica}: this node's storage, for coordinators and anti-entropy. */
public final class ReplicaApi extends ReplicaService {
  private final Vertx vertx;
  private final Storage storage;
  private final HybridLogicalClock clock;
  private final RequestLimits limits;
  private final Supplier<ClusterView> view;
  private final int replicationFactor;
  private final int vnodes;
  private final String dataDir;
  private final EventLog log;

  public ReplicaApi(Vertx vertx, Storage storage, HybridLogicalClock clock, RequestLimits limits,
                    Supplier<ClusterView> view, int replicationFactor, int vnodes, String dataDir, EventLog log) {
    this.vnodes = vnodes;
    this.dataDir = dataDir;
    this.vertx = vertx;
    this.storage = storage;
    this.clock = clock;
    this.limits = limits;
    this.view = view;
    this.replicationFactor = replicationFactor;
    this.log = log;
  }

  @Override
  public Future<ReplicaProto.WriteResult> write(ReplicaProto.WriteBatch req) {
    if (req.getRowsCount() == 0) {
      return Future.failedFuture(RequestLimits.invalid("write batch is empty"));
    }
    List<Versioned> rows = new ArrayList<>(req.getRowsCount());
    try {
      for (ReplicaProto.Row r : req.getRowsList()) {
        limits.checkKey(r.getKeyBytes());
        limits.checkValue(r.getValue());
        if (r.getVersion() <= 0) {
          throw RequestLimits.invalid("row version must be positive, got " + r.getVersion());
        }
        if (r.getClockStamped()) {
          clock.observe(r.getVersion());
        }
        rows.add(RemoteReplica.fromRow(r));
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return GrpcErrors.mapped(storage.write(rows).map(stored -> {
      ReplicaProto.WriteResult.Builder b = ReplicaProto.WriteResult.newBuilder().setClock(clock.peek());
      for (long s : stored) {
        b.addStoredVersions(s);
      }
      return b.build();
    }), "replica write", log);
  }

  @Override
  public Future<ReplicaProto.ReadResult> read(ReplicaProto.ReadRequest req) {
    try {
      limits.checkKey(req.getKeyBytes());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return GrpcErrors.mapped(storage.read(req.getKey()).map(v -> {
      ReplicaProto.ReadResult.Builder b = ReplicaProto.ReadResult.newBuilder().setClock(clock.peek());
      if (v != null) {
        b.setPresent(true).setRow(RemoteReplica.toRow(v, false));
      }
      return b.build();
    }), "replica read", log);
  }

  @Override
  public Future<ReplicaProto.DigestResponse> chunkDigests(ReplicaProto.DigestRequest req) {
    if (req.getPeerId().isEmpty()) {
      return Future.failedFuture(RequestLimits.invalid("peer_id must name the asking node"));
    }
    Predicate<String> shared = shared(req.getPeerId());
    List<Future<byte[]>> digests = new ArrayList<>(Chunks.COUNT);
    for (int c = 0; c < Chunks.COUNT; c++) {
      digests.add(storage.chunk(c).compose(rows -> vertx.executeBlocking(() -> ChunkDigest.of(filter(rows, shared)), false)));
    }
    return GrpcErrors.mapped(Future.all(digests).map(all -> {
      ReplicaProto.DigestResponse.Builder b = ReplicaProto.DigestResponse.newBuilder();
      for (int c = 0; c < Chunks.COUNT; c++) {
        b.addDigests(UnsafeByteOperations.unsafeWrap(all.<byte[]>resultAt(c)));
      }
      return b.build();
    }), "chunk digests", log);
  }

  @Override
  protected void fetchChunk(ReplicaProto.FetchChunkRequest req, WriteStream<ReplicaProto.Row> out) {
    GrpcServerResponse<?, ReplicaProto.Row> resp = (GrpcServerResponse<?, ReplicaProto.Row>) out;
    if (!Chunks.valid(req.getChunkId()) || req.getPeerId().isEmpty()) {
      resp.status(GrpcStatus.INVALID_ARGUMENT).statusMessage("chunk_id must be 0..15 and peer_id set").end();
      return;
    }
    Predicate<String> shared = shared(req.getPeerId());
    storage.chunk(req.getChunkId())
        .compose(rows -> vertx.executeBlocking(() -> filter(rows, shared), false))
        .onComplete(ar -> {
          if (ar.failed()) {
            log.warn("FetchChunk failed", ar.cause());
            resp.status(GrpcStatus.INTERNAL).statusMessage("FetchChunk failed: " + ar.cause()).end();
            return;
          }
          RowStreams.writeAll(ar.result().iterator(), v -> RemoteReplica.toRow(v, false), out);
        });
  }

  @Override
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
      for (Object o : members.result().getJsonArray("nodes")) {
        JsonObject n = (JsonObject) o;
        b.addMembers(ReplicaProto.MemberInfo.newBuilder().setNodeId(n.getString("nodeId")).setGrpcAddress(n.getString("grpcAddress"))
            .setGossipAddress(n.getString("gossipAddress")).setStatus(n.getString("status")).setHeartbeat(n.getLong("heartbeat"))
            .setGeneration(n.getLong("generation")).setPhi(n.getDouble("phi", 0.0)));
      }
      return b.build();
    }), "status", log);
  }

  @Override
  public Future<ReplicaProto.RepairResult> repair(ReplicaProto.RepairRequest req) {
    Future<JsonObject> run = vertx.eventBus().<JsonObject>request(AntiEntropyVerticle.REPAIR_NOW, null,
        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(3_600_000)).map(m -> m.body());
    return GrpcErrors.mapped(run.map(r -> {
      ReplicaProto.RepairResult.Builder b = ReplicaProto.RepairResult.newBuilder()
          .setRowsExchanged(r.getLong("rows")).setMillis(r.getLong("millis"));
      r.getJsonArray("peers").forEach(p -> b.addPeers((String) p));
      return b.build();
    }), "repair", log);
  }

  private Predicate<String> shared(String peerId) {
    ClusterView v = view.get();
    return SharedKeys.between(v.ring(), replicationFactor, v.selfId(), peerId);
  }

  static List<Versioned> filter(List<Versioned> rows, Predicate<String> keep) {
    List<Versioned> out = new ArrayList<>(rows.size());
    for (Versioned r : rows) {
      if (keep.test(r.key())) {
        out.add(r);
      }
    }
    return out;
  }
}
