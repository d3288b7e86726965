package kvstore.replication;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.vertx.core.Future;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

/**
 * A peer's storage through the internal {@code kvreplica.Replica} gRPC service. Every answer carries
 * the peer's clock, which this node observes, so clocks move together with the data.
 */
public final class RemoteReplica implements Replica {
  private final String nodeId;
  private final ReplicaGrpcClient client;
  private final HybridLogicalClock clock;

  public RemoteReplica(String nodeId, ReplicaGrpcClient client, HybridLogicalClock clock) {
    this.nodeId = nodeId;
    this.client = client;
    this.clock = clock;
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
    ReplicaProto.WriteBatch batch = ReplicaProto.WriteBatch.newBuilder().addRows(toRow(row, clockStamped)).build();
    return client.write(batch).map(r -> {
      clock.observe(r.getClock());
      return r.getStoredVersions(0);
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
