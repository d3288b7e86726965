package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import kv.Kv;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaGrpcService;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replica.proto.ReplicaService;
import kvstore.testing.InProcessCluster;
import kvstore.testing.Ports;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replica reads over real gRPC: the reads one event-loop turn sends a peer travel as one
 * {@code ReadMany}, and a node refuses read batches outside its limits.
 */
class ReplicaReadsTest {
  private final Vertx vertx = Vertx.vertx();
  private final kvstore.metrics.NodeMetrics metrics = new kvstore.metrics.NodeMetrics("test");
  /** Every call a fake peer received: "Read k" or "ReadMany n". */
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private static final Map<String, Versioned> STORED = Map.of(
      "a", new Versioned("a", "A".getBytes(), 11, false),
      "b", new Versioned("b", new byte[0], 12, true));

  @TempDir
  Path dir;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private static ReplicaProto.ReadResult result(String key) {
    Versioned v = STORED.get(key);
    return v == null ? ReplicaProto.ReadResult.newBuilder().setClock(5).build()
        : ReplicaProto.ReadResult.newBuilder().setPresent(true).setRow(RemoteReplica.toRow(v, false)).setClock(5).build();
  }

  /** How a fake peer answers ReadMany. */
  private enum Peer {
    /** every row */
    CURRENT,
    /** the first half of the keys' rows, the rest deferred, as a node does when the rows would overfill its answer */
    HALF_DEFERRED,
    /** every key deferred, which no node does: the caller must not ask forever */
    ALL_DEFERRED
  }

  /** A peer serving {@link #STORED}. */
  private SocketAddress peer(Peer kind) {
    GrpcServer grpc = GrpcServer.server(vertx);
    grpc.addService(ReplicaGrpcService.of(new ReplicaService() {
      @Override
      public Future<ReplicaProto.ReadResult> read(ReplicaProto.ReadRequest r) {
        calls.add("Read " + r.getKey());
        return Future.succeededFuture(result(r.getKey()));
      }

      @Override
      public Future<ReplicaProto.ReadBatchResult> readMany(ReplicaProto.ReadBatch r) {
        calls.add("ReadMany " + r.getKeysCount());
        ReplicaProto.ReadBatchResult.Builder b = ReplicaProto.ReadBatchResult.newBuilder().setClock(5);
        int answered = kind == Peer.CURRENT ? r.getKeysCount() : kind == Peer.ALL_DEFERRED ? 0 : (r.getKeysCount() + 1) / 2;
        for (int i = 0; i < r.getKeysCount(); i++) {
          b.addResults(i < answered ? result(r.getKeys(i)) : ReplicaProto.ReadResult.newBuilder().setDeferred(true).build());
        }
        return Future.succeededFuture(b.build());
      }
    }));
    int port = Ports.free();
    HttpServer server = vertx.createHttpServer().requestHandler(grpc).listen(port, "127.0.0.1").await();
    return SocketAddress.inetSocketAddress(server.actualPort(), "127.0.0.1");
  }

  /** Reads {@code keys} in one event-loop turn; answers each one's result (a row, null, or the failure message). */
  private List<Object> readInOneTurn(RemoteReplica replica, List<String> keys) throws Exception {
    CompletableFuture<List<Object>> done = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      List<Future<Versioned>> answers = new ArrayList<>();
      keys.forEach(k -> answers.add(replica.read(k)));
      Future.join(answers).onComplete(ar -> {
        List<Object> out = new ArrayList<>();
        answers.forEach(a -> out.add(a.succeeded() ? a.result() : a.cause().getMessage()));
        done.complete(out);
      });
    });
    return done.get(10, TimeUnit.SECONDS);
  }

  private RemoteReplica replica(SocketAddress to) {
    return new RemoteReplica("peer", ReplicaGrpcClient.create(GrpcClient.client(vertx), to), HybridLogicalClock.system(0, 10_000), 1 << 20, metrics);
  }

  private static List<String> keys(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "absent-" + i);
    }
    return out;
  }

  private static void assertAnswers(List<String> keys, List<Object> answers) {
    assertEquals(keys.size(), answers.size());
    for (int i = 0; i < keys.size(); i++) {
      Versioned expected = STORED.get(keys.get(i));
      if (expected == null) {
        assertNull(answers.get(i), "read " + i + " of an absent key");
      } else {
        assertEquals(expected, answers.get(i), "read " + i + " of " + keys.get(i));
      }
    }
  }

  @Test
  void readsOfOneTurnTravelAsReadManyBatchesOfAtMost128AndALoneReadAsRead() throws Exception {
    RemoteReplica replica = replica(peer(Peer.CURRENT));
    List<String> keys = keys(300);
    assertAnswers(keys, readInOneTurn(replica, keys));
    assertEquals(List.of("ReadMany 128", "ReadMany 128", "ReadMany 44"), calls);
    calls.clear();
    assertAnswers(List.of("b"), readInOneTurn(replica, List.of("b")));
    assertEquals(List.of("Read b"), calls);
    var sizes = metrics.registry().find("kv.replica.batch.items").tag("kind", "read").summary();
    assertEquals(4, sizes.count(), "batches counted in kv_replica_batch_items");
    assertEquals(301.0, sizes.totalAmount());
  }

  @Test
  void keysAPeerDeferredAreAskedAgainUntilAllAreAnsweredAndAPeerThatDefersEverythingFailsTheBatch() throws Exception {
    RemoteReplica replica = replica(peer(Peer.HALF_DEFERRED));
    List<String> keys = keys(10);
    assertAnswers(keys, readInOneTurn(replica, keys));
    // 10 keys: 5 answered, then 3 of the other 5, then 1 of 2, and the last one alone
    assertEquals(List.of("ReadMany 10", "ReadMany 5", "ReadMany 2", "Read " + keys.get(9)), calls);

    RemoteReplica stuck = replica(peer(Peer.ALL_DEFERRED));
    assertEquals(Collections.nCopies(3, "replica peer deferred every key of a read batch"), readInOneTurn(stuck, keys(3)));
  }

  @Test
  void aNodeAnswersReadManyInOrderDefersWhatWouldOverfillItsAnswerAndRefusesBatchesOutsideItsLimitsByName() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1).put("maxKeyBytes", 64)
        .put("maxValueBytes", 1000)).start()) {
      c.client(0).put("k1", "v1", Kv.Consistency.ONE);
      c.client(0).delete("k2", Kv.Consistency.ONE);
      GrpcClient grpc = GrpcClient.client(c.clientVertx());
      SocketAddress at = SocketAddress.inetSocketAddress(c.config(0).getInteger("grpcPort"), "127.0.0.1");
      ReplicaGrpcClient node = ReplicaGrpcClient.create(grpc, at);
      ReplicaProto.ReadBatchResult r = node.readMany(ReplicaProto.ReadBatch.newBuilder()
          .addKeys("k2").addKeys("nope").addKeys("k1").build()).await();
      assertEquals(3, r.getResultsCount());
      assertTrue(r.getResults(0).getPresent() && r.getResults(0).getRow().getTombstone());
      assertEquals(false, r.getResults(1).getPresent());
      assertEquals("v1", r.getResults(2).getRow().getValue().toStringUtf8());
      assertTrue(r.getClock() > 0);


      // 40 values of 1,000 bytes (~41 KB) against an answer budget of half the message limit (~35 KB here)
      List<String> big = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        big.add("big-" + i);
        c.client(0).put("big-" + i, String.valueOf((char) ('a' + i % 26)).repeat(1000), Kv.Consistency.ONE);
      }
      ReplicaProto.ReadBatchResult some = node.readMany(ReplicaProto.ReadBatch.newBuilder().addAllKeys(big).build()).await();
      int answered = 0;
      while (answered < 40 && !some.getResults(answered).getDeferred()) {
        answered++;
      }
      assertTrue(answered >= 20 && answered < 40, "answered " + answered + " of 40 before deferring");
      for (int i = answered; i < 40; i++) {
        assertTrue(some.getResults(i).getDeferred(), "everything after the first deferred key is deferred: " + i);
      }
      assertTrue(some.getSerializedSize() < 40_000, "answer of " + some.getSerializedSize() + " bytes");
      // through RemoteReplica, the deferred keys are asked again and every read gets its row
      RemoteReplica replica = new RemoteReplica("node1", node, HybridLogicalClock.system(0, 10_000), 1 << 20, metrics);
      CompletableFuture<List<Versioned>> all = new CompletableFuture<>();
      c.clientVertx().runOnContext(v -> {
        List<Future<Versioned>> reads = new ArrayList<>();
        big.forEach(k -> reads.add(replica.read(k)));
        Future.all(reads).onComplete(ar -> {
          if (ar.failed()) {
            all.completeExceptionally(ar.cause());
          } else {
            all.complete(reads.stream().map(Future::result).toList());
          }
        });
      });
      List<Versioned> rows = all.get(10, TimeUnit.SECONDS);
      for (int i = 0; i < 40; i++) {
        assertEquals("big-" + i, rows.get(i).key());
        assertEquals(String.valueOf((char) ('a' + i % 26)).repeat(1000), new String(rows.get(i).value()));
      }

      assertEquals("INVALID_ARGUMENT: a read batch holds 1..128 keys, got 129", statusOf(grpc, at, Collections.nCopies(129, "k1")));
      assertEquals("INVALID_ARGUMENT: a read batch holds 1..128 keys, got 0", statusOf(grpc, at, List.of()));
      assertEquals("INVALID_ARGUMENT: key is 65 bytes; the limit (maxKeyBytes) is 64", statusOf(grpc, at, List.of("k1", "x".repeat(65))));
    }
  }

  /** "STATUS: message" of a ReadMany call (the generated stub drops the message on failure). */
  private static String statusOf(GrpcClient grpc, SocketAddress at, List<String> keys) {
    return grpc.request(at, ReplicaGrpcClient.ReadMany)
        .compose(r -> r.send(ReplicaProto.ReadBatch.newBuilder().addAllKeys(keys).build()))
        .compose(resp -> resp.end().transform(ar -> Future.succeededFuture(resp.status().name() + ": " + resp.statusMessage())))
        .await();
  }
}
