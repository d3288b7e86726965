package kvstore.api;

import io.vertx.core.Future;
import io.vertx.core.streams.WriteStream;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replica.proto.ReplicaService;

/**
 * The node-to-node service {@code kvreplica.Replica}, served on the peer port: replica I/O for
 * coordinators ({@link ReplicaRows}), the anti-entropy server ({@link TreeExchange}) and the
 * operators' calls ({@link NodeAdmin}), each in its own class; this one only routes.
 */
public final class ReplicaApi extends ReplicaService {
  private final ReplicaRows rows;
  private final TreeExchange trees;
  private final NodeAdmin admin;
  private final ImportRows imports;
  private final PaxosAcceptor paxos;

  ReplicaApi(ReplicaRows rows, TreeExchange trees, NodeAdmin admin, ImportRows imports, PaxosAcceptor paxos) {
    this.paxos = paxos;
    this.imports = imports;
    this.rows = rows;
    this.trees = trees;
    this.admin = admin;
  }

  @Override
  public Future<ReplicaProto.WriteResult> write(ReplicaProto.WriteBatch req) {
    return rows.write(req);
  }

  @Override
  public Future<ReplicaProto.ReadResult> read(ReplicaProto.ReadRequest req) {
    return rows.read(req);
  }

  @Override
  public Future<ReplicaProto.ReadBatchResult> readMany(ReplicaProto.ReadBatch req) {
    return rows.readMany(req);
  }

  @Override
  public Future<ReplicaProto.MerkleNodesResponse> merkleNodes(ReplicaProto.MerkleNodesRequest req) {
    return trees.merkleNodes(req);
  }

  @Override
  protected void leafDigests(ReplicaProto.LeafDigestsRequest req, WriteStream<ReplicaProto.DigestBatch> out) {
    trees.leafDigests(req, out);
  }

  @Override
  protected void fetchRows(ReplicaProto.FetchRowsRequest req, WriteStream<ReplicaProto.Row> out) {
    trees.fetchRows(req, out);
  }

  @Override
  public Future<ReplicaProto.ImportResult> importRows(ReplicaProto.WriteBatch req) {
    return imports.write(req);
  }

  @Override
  public Future<ReplicaProto.PaxosBatchAnswer> paxos(ReplicaProto.PaxosBatch req) {
    return paxos.steps(req);
  }

  @Override
  public Future<ReplicaProto.SnapshotResult> snapshot(ReplicaProto.SnapshotRequest req) {
    return admin.snapshot(req);
  }

  @Override
  public Future<ReplicaProto.NodeStatus> status(ReplicaProto.StatusRequest req) {
    return admin.status(req);
  }

  @Override
  public Future<ReplicaProto.RowPage> scanRange(ReplicaProto.ScanRangeRequest req) {
    return rows.scanRange(req);
  }

  @Override
  protected void decommission(ReplicaProto.DecommissionRequest req, WriteStream<ReplicaProto.MoveProgress> out) {
    admin.decommission(req, out);
  }

  @Override
  protected void cleanup(ReplicaProto.CleanupRequest req, WriteStream<ReplicaProto.MoveProgress> out) {
    admin.cleanup(out);
  }

  @Override
  protected void removeNode(ReplicaProto.RemoveNodeRequest req, WriteStream<ReplicaProto.MoveProgress> out) {
    admin.removeNode(req, out);
  }

  @Override
  protected void repair(ReplicaProto.RepairRequest req, WriteStream<ReplicaProto.RepairProgress> out) {
    admin.repair(req, out);
  }
}
