package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RemoteReplicaTest {
  private final Vertx vertx = Vertx.vertx();
  private final kvstore.metrics.NodeMetrics metrics = new kvstore.metrics.NodeMetrics("test");
  /** Every WriteBatch the fake peer received, in order. */
  private final List<ReplicaProto.WriteBatch> received = new ArrayList<>();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** A peer that answers each row's version + 1000, or fails batches for which {@code fails} says so. */
  private ReplicaGrpcClient peer(Function<ReplicaProto.WriteBatch, Boolean> fails) {
    return (ReplicaGrpcClient) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{ReplicaGrpcClient.class},
        (proxy, method, args) -> {
          if (!method.getName().equals("write")) {
            throw new UnsupportedOperationException(method.getName());
          }
          ReplicaProto.WriteBatch batch = (ReplicaProto.WriteBatch) args[0];
          received.add(batch);
          if (fails.apply(batch)) {
            return Future.failedFuture("peer unavailable");
          }
          ReplicaProto.WriteResult.Builder r = ReplicaProto.WriteResult.newBuilder().setClock(1);
          batch.getRowsList().forEach(row -> r.addStoredVersions(row.getVersion() + 1000));
          return Future.succeededFuture(r.build());
        });
  }

  private static Versioned row(int i, int valueBytes) {
    return new Versioned("k" + i, new byte[valueBytes], i + 1, false);
  }

  /** Issues {@code n} writes in one event-loop turn; answers each one's outcome (version or failure message). */
  private List<Object> writeInOneTurn(RemoteReplica replica, int n, int valueBytes) throws Exception {
    CompletableFuture<List<Object>> done = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      List<Future<Long>> answers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        answers.add(replica.write(row(i, valueBytes), true));
      }
      Future.join(answers).onComplete(ar -> {
        List<Object> out = new ArrayList<>();
        answers.forEach(a -> out.add(a.succeeded() ? a.result() : a.cause().getMessage()));
        done.complete(out);
      });
    });
    return done.get(10, TimeUnit.SECONDS);
  }

  @Test
  void writesOfOneTurnTravelTogetherInBatchesOfAtMost128RowsEachAnsweredItsOwnVersion() throws Exception {
    RemoteReplica replica = new RemoteReplica("peer", peer(b -> false), HybridLogicalClock.system(0, 10_000), 1 << 20, metrics);
    List<Object> answers = writeInOneTurn(replica, 300, 10);
    assertEquals(List.of(128, 128, 44), received.stream().map(ReplicaProto.WriteBatch::getRowsCount).toList());
    for (int i = 0; i < 300; i++) {
      assertEquals((long) i + 1 + 1000, answers.get(i), "answer of write " + i);
    }
    var sizes = metrics.registry().find("kv.replica.batch.items").tag("kind", "write").summary();
    assertEquals(3, sizes.count(), "batches counted in kv_replica_batch_items");
    assertEquals(300.0, sizes.totalAmount());
    List<String> keys = received.stream().flatMap(b -> b.getRowsList().stream()).map(ReplicaProto.Row::getKey).toList();
    assertEquals(300, keys.size());
    for (int i = 0; i < 300; i++) {
      assertEquals("k" + i, keys.get(i), "rows keep their order");
    }
  }

  @Test
  void theByteBudgetSplitsBatchesAndARowLargerThanItStillGoesAlone() throws Exception {
    // ~1 KB rows, 3 KB budget: three rows per batch, the oversize row on its own
    RemoteReplica replica = new RemoteReplica("peer", peer(b -> false), HybridLogicalClock.system(0, 10_000), 3 * 1024, metrics);
    writeInOneTurn(replica, 7, 1000);
    assertEquals(List.of(3, 3, 1), received.stream().map(ReplicaProto.WriteBatch::getRowsCount).toList());
    received.clear();
    RemoteReplica small = new RemoteReplica("peer", peer(b -> false), HybridLogicalClock.system(0, 10_000), 100, metrics);
    List<Object> answers = writeInOneTurn(small, 2, 1000);
    assertEquals(List.of(1, 1), received.stream().map(ReplicaProto.WriteBatch::getRowsCount).toList());
    assertEquals(List.of(1001L, 1002L), answers);
  }

  @Test
  void aFailedBatchFailsExactlyItsOwnWritesAndWritesOfALaterTurnGoSeparately() throws Exception {
    RemoteReplica replica = new RemoteReplica("peer", peer(b -> b.getRows(0).getKey().equals("k128")), HybridLogicalClock.system(0, 10_000), 1 << 20, metrics);
    List<Object> answers = writeInOneTurn(replica, 200, 10);
    for (int i = 0; i < 200; i++) {
      if (i < 128) {
        assertEquals((long) i + 1 + 1000, answers.get(i));
      } else {
        assertEquals("peer unavailable", answers.get(i), "write " + i + " was in the failed batch");
      }
    }
    writeInOneTurn(replica, 1, 10);
    writeInOneTurn(replica, 1, 10);
    assertEquals(List.of(128, 72, 1, 1), received.stream().map(ReplicaProto.WriteBatch::getRowsCount).toList());
    assertTrue(received.get(3).getRows(0).getClockStamped());
  }

  @Test
  void aPeerAnsweringTheWrongNumberOfVersionsFailsTheBatchWithAMessage() throws Exception {
    ReplicaGrpcClient wrong = (ReplicaGrpcClient) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[]{ReplicaGrpcClient.class}, (proxy, method, args) ->
            Future.succeededFuture(ReplicaProto.WriteResult.newBuilder().addStoredVersions(1).build()));
    RemoteReplica replica = new RemoteReplica("peer", wrong, HybridLogicalClock.system(0, 10_000), 1 << 20, metrics);
    List<Object> answers = writeInOneTurn(replica, 2, 10);
    assertEquals("replica peer answered 1 results for 2 items", answers.get(0));
    assertEquals(answers.get(0), answers.get(1));
  }
}
