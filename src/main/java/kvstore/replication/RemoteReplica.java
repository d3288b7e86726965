package kvstore.replication;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A peer's storage through the internal {@code kvreplica.Replica} gRPC service. Every answer carries
 * the peer's clock, which this node observes, so clocks move together with the data.
 */
public final class RemoteReplica implements Replica {
  private final String nodeId;
  private final ReplicaGrpcClient client;
  private final HybridLogicalClock clock;
  private final long maxBatchBytes;
  private final ArrayDeque<QueuedRow> queue = new ArrayDeque<>();
  private int inFlight;

  private static final int MAX_IN_FLIGHT = 4;
  private static final int MAX_BATCH_ROWS = 256;

  private record QueuedRow(ReplicaProto.Row row, Promise<Long> done) {
  }

  public RemoteReplica(String nodeId, ReplicaGrpcClient client, HybridLogicalClock clock, long maxBatchBytes) {
    this.nodeId = nodeId;
    this.client = client;
    this.clock = clock;
    this.maxBatchBytes = maxBatchBytes;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  public ReplicaGrpcClient client() {
    return client;
  }

  /**
   * Writes are coalesced per peer: up to {@link #MAX_IN_FLIGHT} Write RPCs run at once; rows that
   * arrive meanwhile wait and go together in the next one, as the group commit does for
   * transactions. Under light load every row goes at once; under heavy load RPCs carry many rows.
   * Used from the owning verticle's event loop only.
   */
  @Override
  public Future<Long> write(Versioned row, boolean clockStamped) {
    Promise<Long> p = Promise.promise();
    queue.add(new QueuedRow(toRow(row, clockStamped), p));
    sendNext();
    return p.future();
  }

  private void sendNext() {
    if (inFlight >= MAX_IN_FLIGHT || queue.isEmpty()) {
      return;
    }
    ReplicaProto.WriteBatch.Builder b = ReplicaProto.WriteBatch.newBuilder();
    List<QueuedRow> sent = new ArrayList<>();
    long bytes = 0;
    while (!queue.isEmpty() && (sent.isEmpty() || (sent.size() < MAX_BATCH_ROWS && bytes + queue.peek().row().getSerializedSize() <= maxBatchBytes))) {
      QueuedRow q = queue.poll();
      bytes += q.row().getSerializedSize();
      b.addRows(q.row());
      sent.add(q);
    }
    inFlight++;
    client.write(b.build()).onComplete(ar -> {
      inFlight--;
      if (ar.succeeded()) {
        clock.observe(ar.result().getClock());
        for (int i = 0; i < sent.size(); i++) {
          sent.get(i).done().complete(ar.result().getStoredVersions(i));
        }
      } else {
        sent.forEach(q -> q.done().fail(ar.cause()));
      }
      sendNext();
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
