package kvstore.replication;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.vertx.core.Future;
import kvstore.metrics.NodeMetrics;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A peer's storage through the internal {@code kvreplica.Replica} gRPC service. Every answer carries
 * the peer's clock, which this node observes, so clocks move together with the data. Writes of one
 * event-loop turn travel as one {@code Write} batch, reads as one {@code ReadMany} ({@link TurnBatcher}).
 * Used from one event loop only, like the {@link ReplicaDirectory} that owns it.
 */
public final class RemoteReplica implements Replica {
  /** Rows per batch; with the byte budget, bounds the message and the work one failure undoes. */
  static final int MAX_BATCH_ROWS = 128;
  /** Keys per {@code ReadMany}: the peer refuses more (see {@code ReplicaApi}). */
  public static final int MAX_READ_KEYS = 128;
  /** Paxos steps per {@code Paxos} call: the peer refuses more. */
  public static final int MAX_PAXOS_CALLS = 128;

  private final String nodeId;
  private final ReplicaGrpcClient client;
  private final HybridLogicalClock clock;
  private final TurnBatcher<ReplicaProto.Row, Long> writes;
  private final TurnBatcher<String, Versioned> reads;
  private final TurnBatcher<ReplicaProto.PaxosCall, kvstore.paxos.PaxosAnswer> paxos;

  /** {@code batchBytes}: serialized rows per batch; a single row larger than it still goes alone. */
  public RemoteReplica(String nodeId, ReplicaGrpcClient client, HybridLogicalClock clock, long batchBytes, NodeMetrics metrics) {
    this.nodeId = nodeId;
    this.client = client;
    this.clock = clock;
    this.writes = new TurnBatcher<>("replica " + nodeId, MAX_BATCH_ROWS, batchBytes, this::sendWrites,
        metrics.batchSizes(NodeMetrics.BatchKind.WRITE));
    this.reads = new TurnBatcher<>("replica " + nodeId, MAX_READ_KEYS, batchBytes, this::sendReads,
        metrics.batchSizes(NodeMetrics.BatchKind.READ));
    this.paxos = new TurnBatcher<>("replica " + nodeId, MAX_PAXOS_CALLS, batchBytes, this::sendPaxos, n -> { });
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
    return writes.add(r, r.getSerializedSize());
  }

  private Future<List<Long>> sendWrites(List<ReplicaProto.Row> rows) {
    return client.write(ReplicaProto.WriteBatch.newBuilder().addAllRows(rows).build()).map(result -> {
      clock.observe(result.getClock());
      return result.getStoredVersionsList();
    });
  }

  @Override
  public Future<Versioned> read(String key) {
    return reads.add(key, key.length());
  }

  private Future<List<Versioned>> sendReads(List<String> keys) {
    if (keys.size() == 1) {
      return readOneByOne(keys);
    }
    return client.readMany(ReplicaProto.ReadBatch.newBuilder().addAllKeys(keys).build()).compose(result -> answers(keys, result));
  }

  /** The batch's rows; the keys the peer deferred (their rows would have overfilled the answer) are asked again. */
  private Future<List<Versioned>> answers(List<String> keys, ReplicaProto.ReadBatchResult result) {
    clock.observe(result.getClock());
    if (result.getResultsCount() != keys.size()) {
      return Future.failedFuture(new IllegalStateException(
          "replica " + nodeId + " answered " + result.getResultsCount() + " results for " + keys.size() + " keys"));
    }
    List<Versioned> out = new ArrayList<>(keys.size());
    List<String> again = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      ReplicaProto.ReadResult r = result.getResults(i);
      out.add(r.getPresent() ? fromRow(r.getRow()) : null);
      if (r.getDeferred()) {
        again.add(keys.get(i));
        at.add(i);
      }
    }
    if (again.isEmpty()) {
      return Future.succeededFuture(out);
    }
    if (again.size() == keys.size()) {
      // each round must make progress, or this would ask forever
      return Future.failedFuture(new IllegalStateException("replica " + nodeId + " deferred every key of a read batch"));
    }
    return sendReads(again).map(rest -> {
      for (int j = 0; j < rest.size(); j++) {
        out.set(at.get(j), rest.get(j));
      }
      return out;
    });
  }

  private Future<List<Versioned>> readOneByOne(List<String> keys) {
    List<Future<Versioned>> each = new ArrayList<>(keys.size());
    for (String key : keys) {
      each.add(client.read(ReplicaProto.ReadRequest.newBuilder().setKey(key).build()).map(r -> {
        clock.observe(r.getClock());
        return r.getPresent() ? fromRow(r.getRow()) : null;
      }));
    }
    if (each.size() == 1) {
      return each.get(0).map(Collections::singletonList); // null (absent) allowed
    }
    return Future.all(each).map(all -> {
      List<Versioned> out = new ArrayList<>(each.size());
      each.forEach(f -> out.add(f.result()));
      return out;
    });
  }

  @Override
  public Future<kvstore.paxos.PaxosAnswer> paxos(kvstore.paxos.PaxosCall call) {
    ReplicaProto.PaxosCall c = PaxosWire.call(call);
    return paxos.add(c, c.getSerializedSize());
  }

  private Future<List<kvstore.paxos.PaxosAnswer>> sendPaxos(List<ReplicaProto.PaxosCall> calls) {
    return client.paxos(ReplicaProto.PaxosBatch.newBuilder().addAllCalls(calls).build()).compose(result -> {
      clock.observe(result.getClock());
      if (result.getAnswersCount() != calls.size()) {
        return Future.failedFuture(new IllegalStateException(
            "replica " + nodeId + " answered " + result.getAnswersCount() + " Paxos answers for " + calls.size() + " calls"));
      }
      List<kvstore.paxos.PaxosAnswer> out = new ArrayList<>(calls.size());
      result.getAnswersList().forEach(a -> out.add(PaxosWire.answer(a)));
      return Future.succeededFuture(out);
    });
  }

  public static ReplicaProto.Row toRow(Versioned v, boolean clockStamped) {
    // the row is immutable once built and the array is never written again: no copy needed
    ByteString value = UnsafeByteOperations.unsafeWrap(v.value());
    return ReplicaProto.Row.newBuilder().setKey(v.key()).setValue(value).setVersion(v.version())
        .setTombstone(v.tombstone()).setClockStamped(clockStamped).setExpiresAtMs(v.expiresAtMs()).build();
  }

  public static Versioned fromRow(ReplicaProto.Row r) {
    return new Versioned(r.getKey(), r.getValue().toByteArray(), r.getVersion(), r.getTombstone(), r.getExpiresAtMs());
  }
}
