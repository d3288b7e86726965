package kvstore.api;

import com.google.protobuf.ProtocolStringList;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.StatusException;
import io.vertx.core.json.JsonObject;
import kvstore.membership.ClusterView;
import kvstore.membership.GossipVerticle;
import kvstore.repair.AntiEntropyVerticle;
import kvstore.storage.EventBusStorage;
import kvstore.log.EventLog;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replica.proto.ReplicaService;
import kvstore.replication.RemoteReplica;
import kvstore.repair.MerkleTree;
import kvstore.repair.RangeTrees;
import kvstore.storage.RowHash;
import kvstore.storage.Storage;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** The node-to-node service {@code kvreplica.Replica}: this node's storage, for coordinators and anti-entropy. */
public final class ReplicaApi extends ReplicaService {
  private final Vertx vertx;
  private final Storage storage;
  private final HybridLogicalClock clock;
  private final RequestLimits limits;
  /** A ReadMany answer's budget for rows: the rows past it are deferred (the caller asks again). */
  private final long readBatchBytes;
  private static final ReplicaProto.ReadResult DEFERRED = ReplicaProto.ReadResult.newBuilder().setDeferred(true).build();
  private final Supplier<ClusterView> view;
  private final int replicationFactor;
  private final int vnodes;
  private final String dataDir;
  private final EventLog log;
  private final java.util.function.Supplier<RangeTrees> trees;
  private static final int MAX_TREE_NODES = 65536;
  private static final int MAX_LEAVES = 256;
  private static final int MAX_FETCH_KEYS = 1000;
  private static final int DIGESTS_PER_MESSAGE = 1000;

  public ReplicaApi(Vertx vertx, Storage storage, HybridLogicalClock clock, RequestLimits limits, long readBatchBytes,
                    Supplier<ClusterView> view, int replicationFactor, int vnodes, String dataDir, EventLog log,
                    java.util.function.Supplier<RangeTrees> trees) {
    this.trees = trees;
    this.vnodes = vnodes;
    this.dataDir = dataDir;
    this.vertx = vertx;
    this.storage = storage;
    this.clock = clock;
    this.limits = limits;
    this.readBatchBytes = readBatchBytes;
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
        limits.checkVersion(r.getVersion());
        if (r.getTombstone() && !r.getValue().isEmpty()) {
          throw RequestLimits.invalid("a tombstone row carries no value");
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
    return GrpcErrors.mapped(storage.read(req.getKey()).map(v -> readResult(v).setClock(clock.peek()).build()), "replica read", log);
  }

  /** A batch of keys within its size bounds, each key within the key limit; INVALID_ARGUMENT naming what is wrong otherwise. */
  private void checkKeys(ProtocolStringList keys, int min, int max, String what) {
    if (keys.size() < min || keys.size() > max) {
      throw RequestLimits.invalid(what + " holds " + min + ".." + max + " keys, got " + keys.size());
    }
    keys.asByteStringList().forEach(limits::checkKey);
  }

  /** Each key's row (null when absent), in the keys' order. */
  private Future<List<Versioned>> readAll(List<String> keys) {
    List<Future<Versioned>> reads = new ArrayList<>(keys.size());
    keys.forEach(k -> reads.add(storage.read(k)));
    return Future.all(reads).map(all -> {
      List<Versioned> rows = new ArrayList<>(reads.size());
      reads.forEach(f -> rows.add(f.result()));
      return rows;
    });
  }

  private static ReplicaProto.ReadResult.Builder readResult(Versioned v) {
    ReplicaProto.ReadResult.Builder b = ReplicaProto.ReadResult.newBuilder();
    if (v != null) {
      b.setPresent(true).setRow(RemoteReplica.toRow(v, false));
    }
    return b;
  }

  @Override
  public Future<ReplicaProto.ReadBatchResult> readMany(ReplicaProto.ReadBatch req) {
    try {
      checkKeys(req.getKeysList(), 1, RemoteReplica.MAX_READ_KEYS, "a read batch");
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return GrpcErrors.mapped(readAll(req.getKeysList()).map(rows -> {
      ReplicaProto.ReadBatchResult.Builder b = ReplicaProto.ReadBatchResult.newBuilder().setClock(clock.peek());
      long bytes = 0;
      for (Versioned row : rows) {
        ReplicaProto.ReadResult r = readResult(row).build();
        bytes += r.getSerializedSize();
        // the first row always goes: one value alone is within the message limit
        b.addResults(b.getResultsCount() > 0 && bytes > readBatchBytes ? DEFERRED : r);
      }
      return b.build();
    }), "replica read", log);
  }

  /** Anti-entropy can only compare trees of the same ring, built to the end. */
  private RangeTrees comparableTrees(long ring) {
    RangeTrees t = trees.get();
    if (t == null || !t.ready()) {
      throw new StatusException(GrpcStatus.UNAVAILABLE, "Merkle trees are still being built ("
          + (t == null ? 0 : t.rowsScanned()) + " rows scanned)");
    }
    if (t.fingerprint() != ring) {
      throw new StatusException(GrpcStatus.FAILED_PRECONDITION, "ring " + Long.toHexString(ring)
          + " differs from this node's " + Long.toHexString(t.fingerprint()) + " (membership still converging)");
    }
    return t;
  }

  private static MerkleTree replicatedTree(RangeTrees t, int range) {
    MerkleTree tree = t.tree(range);
    if (tree == null) {
      throw RequestLimits.invalid("range " + range + " is not replicated by " + t.self() + " (ranges: 0.." + (t.rangeCount() - 1) + ")");
    }
    return tree;
  }

  @Override
  public Future<ReplicaProto.MerkleNodesResponse> merkleNodes(ReplicaProto.MerkleNodesRequest req) {
    if (req.getNodesCount() > MAX_TREE_NODES) {
      return Future.failedFuture(RequestLimits.invalid("at most " + MAX_TREE_NODES + " tree nodes per call, got " + req.getNodesCount()));
    }
    RangeTrees t;
    MerkleTree[] picked = new MerkleTree[req.getNodesCount()];
    try {
      t = comparableTrees(req.getRing());
      for (int i = 0; i < picked.length; i++) {
        ReplicaProto.TreeNode n = req.getNodes(i);
        picked[i] = replicatedTree(t, n.getRange());
        int width = n.getLevel() == 0 ? 1 : n.getLevel() == 1 ? MerkleTree.FANOUT : MerkleTree.LEAVES;
        if (n.getLevel() < 0 || n.getLevel() > MerkleTree.LEAF_LEVEL || n.getIndex() < 0 || n.getIndex() >= width) {
          throw RequestLimits.invalid("no tree node at level " + n.getLevel() + " index " + n.getIndex());
        }
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return GrpcErrors.mapped(vertx.executeBlocking(() -> {
      ReplicaProto.MerkleNodesResponse.Builder b = ReplicaProto.MerkleNodesResponse.newBuilder();
      for (int i = 0; i < picked.length; i++) {
        ReplicaProto.TreeNode n = req.getNodes(i);
        b.addHashes(picked[i].node(n.getLevel(), n.getIndex()));
      }
      return b.build();
    }, false), "merkle nodes", log);
  }

  @Override
  protected void leafDigests(ReplicaProto.LeafDigestsRequest req, WriteStream<ReplicaProto.DigestBatch> out) {
    GrpcServerResponse<?, ReplicaProto.DigestBatch> resp = (GrpcServerResponse<?, ReplicaProto.DigestBatch>) out;
    List<long[]> bounds = new ArrayList<>(req.getLeavesCount());
    try {
      if (req.getLeavesCount() > MAX_LEAVES) {
        throw RequestLimits.invalid("at most " + MAX_LEAVES + " leaves per call, got " + req.getLeavesCount());
      }
      RangeTrees t = comparableTrees(req.getRing());
      for (ReplicaProto.LeafRef l : req.getLeavesList()) {
        if (l.getLeaf() < 0 || l.getLeaf() >= MerkleTree.LEAVES) {
          throw RequestLimits.invalid("leaf must be 0.." + (MerkleTree.LEAVES - 1) + ", got " + l.getLeaf());
        }
        bounds.add(replicatedTree(t, l.getRange()).leafBounds(l.getLeaf()));
      }
    } catch (StatusException e) {
      resp.status(e.status()).statusMessage(e.getMessage()).end();
      return;
    }
    storage.tokenRanges(bounds).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("LeafDigests failed", ar.cause());
        resp.status(GrpcStatus.INTERNAL).statusMessage("LeafDigests failed: " + ar.cause()).end();
        return;
      }
      List<Versioned> rows = ar.result();
      List<ReplicaProto.DigestBatch> batches = new ArrayList<>();
      for (int i = 0; i < rows.size(); i += DIGESTS_PER_MESSAGE) {
        ReplicaProto.DigestBatch.Builder b = ReplicaProto.DigestBatch.newBuilder();
        for (Versioned r : rows.subList(i, Math.min(rows.size(), i + DIGESTS_PER_MESSAGE))) {
          b.addKeys(r.key()).addVersions(r.version()).addTombstones(r.tombstone()).addHashes(RowHash.of(r));
        }
        batches.add(b.build());
      }
      RowStreams.writeAll(batches.iterator(), x -> x, out);
    });
  }

  @Override
  protected void fetchRows(ReplicaProto.FetchRowsRequest req, WriteStream<ReplicaProto.Row> out) {
    GrpcServerResponse<?, ReplicaProto.Row> resp = (GrpcServerResponse<?, ReplicaProto.Row>) out;
    try {
      checkKeys(req.getKeysList(), 0, MAX_FETCH_KEYS, "a fetch");
    } catch (StatusException e) {
      resp.status(e.status()).statusMessage(e.getMessage()).end();
      return;
    }
    readAll(req.getKeysList()).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("FetchRows failed", ar.cause());
        resp.status(GrpcStatus.INTERNAL).statusMessage("FetchRows failed: " + ar.cause()).end();
        return;
      }
      List<Versioned> rows = new ArrayList<>(ar.result().size());
      for (Versioned v : ar.result()) {
        if (v != null) {
          rows.add(v);
        }
      }
      RowStreams.writeAll(rows.iterator(), v -> RemoteReplica.toRow(v, false), out);
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

  @Override
  protected void repair(ReplicaProto.RepairRequest req, WriteStream<ReplicaProto.RepairProgress> out) {
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
