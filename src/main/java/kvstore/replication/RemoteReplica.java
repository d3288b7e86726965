package kvstore.replication;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.vertx.core.Future;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.List;

/**
 * A peer's storage through the internal {@code kvreplica.Replica} gRPC service. Every answer carries
 * the peer's clock, which this node observes, so clocks move together with the data. Writes of one
 * event-loop turn travel as one {@code Write} batch ({@link WriteBatcher}). Used from one event
 * loop only, like the {@link ReplicaDirectory} that owns it.
 */
public final class RemoteReplica implements Replica {
  /** Rows per batch; with the byte budget, bounds the message and the work one failure undoes. */
  static final int MAX_BATCH_ROWS = 128;

  private final String nodeId;
  private final ReplicaGrpcClient client;
  private final HybridLogicalClock clock;
  private final WriteBatcher<ReplicaProto.Row> batcher;

  /** {@code batchBytes}: serialized rows per batch; a single row larger than it still goes alone. */
  public RemoteReplica(String nodeId, ReplicaGrpcClient client, HybridLogicalClock clock, long batchBytes) {
    this.nodeId = nodeId;
    this.client = client;
    this.clock = clock;
    this.batcher = new WriteBatcher<>("replica " + nodeId, MAX_BATCH_ROWS, batchBytes, this::send);
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  public ReplicaGrpcClient client() {
    return client;
  }

  @Override
  public Future<Long> write(Versioned row, boolean clockStamped) {
    ReplicaProto.Row r = toRow(row, clockStamped);
    return batcher.add(r, r.getSerializedSize());
  }

  private Future<long[]> send(List<ReplicaProto.Row> rows) {
    return client.write(ReplicaProto.WriteBatch.newBuilder().addAllRows(rows).build()).map(result -> {
      clock.observe(result.getClock());
      return result.getStoredVersionsList().stream().mapToLong(Long::longValue).toArray();
    });
  }

  @Override
  public Future<Versioned> read(String key) {
    return client.read(ReplicaProto.ReadRequest.newBuilder().setKey(key).build()).map(r -> {
      clock.observe(r.getClock());
      return r.getPresent() ? fromRow(r.getRow()) : null;
    });
  }

  public static ReplicaProto.Row toRow(Versioned v, boolean clockStamped) {
    // the row is immutable once built and the array is never written again: no copy needed
    ByteString value = UnsafeByteOperations.unsafeWrap(v.value());
    return ReplicaProto.Row.newBuilder().setKey(v.key()).setValue(value).setVersion(v.version())
        .setTombstone(v.tombstone()).setClockStamped(clockStamped).build();
  }

  public static Versioned fromRow(ReplicaProto.Row r) {
    return new Versioned(r.getKey(), r.getValue().toByteArray(), r.getVersion(), r.getTombstone());
  }
}
