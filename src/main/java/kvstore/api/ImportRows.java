package kvstore.api;

import io.vertx.core.Future;
import kvstore.log.EventLog;
import kvstore.quorum.Consistency;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.Coordinator;

import java.util.ArrayList;
import java.util.List;

/**
 * kvctl import's rows: each is coordinated by this node like a client's write, but with the
 * version, expiry and tombstone it had when exported, at QUORUM. A replica that holds a newer
 * version keeps it and counts as done (last-write-wins), so importing a file twice, or into a
 * cluster that has moved on, changes nothing it should not. Rows are checked as a replica checks a
 * peer's (key, value, version within the skew bound) before any is written.
 */
final class ImportRows {
  private final Coordinator coordinator;
  private final RequestLimits limits;
  private final EventLog log;

  ImportRows(Coordinator coordinator, RequestLimits limits, EventLog log) {
    this.coordinator = coordinator;
    this.limits = limits;
    this.log = log;
  }

  Future<ReplicaProto.ImportResult> write(ReplicaProto.WriteBatch req) {
    return GrpcErrors.afterChecks(() -> {
      limits.checkKeyCount(req.getRowsCount());
      for (ReplicaProto.Row r : req.getRowsList()) {
        limits.checkKey(r.getKeyBytes());
        limits.checkValue(r.getValue());
        limits.checkVersion(r.getVersion());
        limits.checkExpiry(r.getExpiresAtMs());
      }
    }, () -> {
      List<Future<Long>> writes = new ArrayList<>(req.getRowsCount());
      for (ReplicaProto.Row r : req.getRowsList()) {
        writes.add(coordinator.write(r.getKey(), r.getValue().toByteArray(), r.getTombstone(), r.getVersion(), r.getExpiresAtMs(),
            Consistency.QUORUM));
      }
      return GrpcErrors.mapped(Future.join(writes).transform(ar -> {
        ReplicaProto.ImportResult.Builder b = ReplicaProto.ImportResult.newBuilder();
        for (Future<Long> w : writes) {
          if (w.succeeded()) {
            b.setWritten(b.getWritten() + 1);
          } else {
            if (b.getFailed() == 0) {
              b.setFirstFailure(w.cause().getMessage() == null ? "write failed" : w.cause().getMessage());
            }
            b.setFailed(b.getFailed() + 1);
          }
        }
        return Future.succeededFuture(b.build());
      }), "import", log);
    });
  }
}
