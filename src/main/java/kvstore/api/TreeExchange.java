package kvstore.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.StatusException;
import kvstore.log.EventLog;
import kvstore.repair.MerkleTree;
import kvstore.repair.RangeTrees;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.RemoteReplica;
import kvstore.storage.RowHash;
import kvstore.storage.Storage;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The anti-entropy server: a peer compares this node's Merkle trees top-down ({@code MerkleNodes}),
 * asks for the rows' digests under the leaves that differ ({@code LeafDigests}) and fetches the rows
 * it found newer here ({@code FetchRows}). Both sides must have built their trees for one ring.
 */
final class TreeExchange {
  private static final int MAX_TREE_NODES = 65536;
  private static final int MAX_LEAVES = 256;
  private static final int MAX_FETCH_KEYS = 1000;
  private static final int DIGESTS_PER_MESSAGE = 1000;
  private final Vertx vertx;
  private final Storage storage;
  private final RequestLimits limits;
  private final Supplier<RangeTrees> trees;
  private final EventLog log;

  TreeExchange(Vertx vertx, Storage storage, RequestLimits limits, Supplier<RangeTrees> trees, EventLog log) {
    this.vertx = vertx;
    this.storage = storage;
    this.limits = limits;
    this.trees = trees;
    this.log = log;
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

  void leafDigests(ReplicaProto.LeafDigestsRequest req, WriteStream<ReplicaProto.DigestBatch> out) {
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
        resp.status(GrpcStatus.INTERNAL).statusMessage("LeafDigests failed: " + GrpcErrors.reason(ar.cause())).end();
        return;
      }
      List<Versioned> rows = ar.result();
      List<ReplicaProto.DigestBatch> batches = new ArrayList<>();
      for (int i = 0; i < rows.size(); i += DIGESTS_PER_MESSAGE) {
        ReplicaProto.DigestBatch.Builder b = ReplicaProto.DigestBatch.newBuilder();
        for (Versioned r : rows.subList(i, Math.min(rows.size(), i + DIGESTS_PER_MESSAGE))) {
          b.addKeys(r.key()).addVersions(r.version()).addTombstones(r.tombstone()).addHashes(RowHash.of(r))
              .addExpires(r.expiresAtMs());
        }
        batches.add(b.build());
      }
      RowStreams.writeAll(batches.iterator(), x -> x, out);
    });
  }

  void fetchRows(ReplicaProto.FetchRowsRequest req, WriteStream<ReplicaProto.Row> out) {
    GrpcServerResponse<?, ReplicaProto.Row> resp = (GrpcServerResponse<?, ReplicaProto.Row>) out;
    try {
      ReplicaRows.checkKeys(limits, req.getKeysList(), 0, MAX_FETCH_KEYS, "a fetch");
    } catch (StatusException e) {
      resp.status(e.status()).statusMessage(e.getMessage()).end();
      return;
    }
    ReplicaRows.readAll(storage, req.getKeysList()).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("FetchRows failed", ar.cause());
        resp.status(GrpcStatus.INTERNAL).statusMessage("FetchRows failed: " + GrpcErrors.reason(ar.cause())).end();
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

}
