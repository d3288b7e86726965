package kvstore.replication;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;

/**
 * A peer's storage through the internal {@code kvreplica.Replica} gRPC service. Every answer carries
 * the peer's clock, which this node observes, so clocks move together with the data.
 *
 * <p>Writes issued in the same event-loop turn travel together: the first one schedules a send
 * behind the tasks already queued, and every write made before it runs joins the same
 * {@code Write} batch. Under load a coordinator fans out many writes per turn (a socket read holds
 * several client requests, a commit completes a whole group), and each RPC costs both nodes far
 * more CPU than a row inside it; with one writer in flight the batch is a single row, sent in the
 * same turn. Used from one event loop only, like the {@link ReplicaDirectory} that owns it.
 */
public final class RemoteReplica implements Replica {
  /** Rows per batch; with the byte budget, bounds the message and the work one failure undoes. */
  static final int MAX_BATCH_ROWS = 128;

  private final String nodeId;
  private final ReplicaGrpcClient client;
  private final HybridLogicalClock clock;
  private final long batchBytes;
  private List<ReplicaProto.Row> rows = new ArrayList<>();
  private List<Promise<Long>> waiters = new ArrayList<>();
  private long pendingBytes;
  private boolean sendScheduled;

  /** {@code batchBytes}: serialized rows per batch; a single row larger than it still goes alone. */
  public RemoteReplica(String nodeId, ReplicaGrpcClient client, HybridLogicalClock clock, long batchBytes) {
    this.nodeId = nodeId;
    this.client = client;
    this.clock = clock;
    this.batchBytes = batchBytes;
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
    int size = r.getSerializedSize();
    if (!rows.isEmpty() && (pendingBytes + size > batchBytes || rows.size() >= MAX_BATCH_ROWS)) {
      send();
    }
    Promise<Long> answer = Promise.promise();
    rows.add(r);
    waiters.add(answer);
    pendingBytes += size;
    if (!sendScheduled) {
      Context context = Vertx.currentContext();
      if (context == null) {
        send();
      } else {
        sendScheduled = true;
        context.runOnContext(v -> {
          sendScheduled = false;
          send();
        });
      }
    }
    return answer.future();
  }

  private void send() {
    if (rows.isEmpty()) {
      return;
    }
    List<ReplicaProto.Row> batch = rows;
    List<Promise<Long>> answers = waiters;
    rows = new ArrayList<>();
    waiters = new ArrayList<>();
    pendingBytes = 0;
    client.write(ReplicaProto.WriteBatch.newBuilder().addAllRows(batch).build()).onComplete(ar -> {
      if (ar.failed()) {
        answers.forEach(a -> a.fail(ar.cause()));
        return;
      }
      ReplicaProto.WriteResult result = ar.result();
      clock.observe(result.getClock());
      if (result.getStoredVersionsCount() != answers.size()) {
        IllegalStateException wrong = new IllegalStateException("replica " + nodeId + " answered "
            + result.getStoredVersionsCount() + " versions for " + answers.size() + " rows");
        answers.forEach(a -> a.fail(wrong));
        return;
      }
      for (int i = 0; i < answers.size(); i++) {
        answers.get(i).complete(result.getStoredVersions(i));
      }
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
