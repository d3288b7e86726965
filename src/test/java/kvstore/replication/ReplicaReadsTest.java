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
 * {@code ReadMany}, a peer of an older release (no {@code ReadMany}) still answers them one by one,
 * and a node refuses read batches outside its limits.
 */
class ReplicaReadsTest {
  private final Vertx vertx = Vertx.vertx();
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

  /** A peer serving {@link #STORED}; without ReadMany when {@code old}, like a node of an older release. */
  private SocketAddress peer(boolean old) {
    GrpcServer grpc = GrpcServer.server(vertx);
    if (old) {
      grpc.callHandler(ReplicaGrpcService.Read, req -> req.handler(r -> {
        calls.add("Read " + r.getKey());
        req.response().end(result(r.getKey()));
      }));
    } else {
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
          r.getKeysList().forEach(k -> b.addResults(result(k)));
          return Future.succeededFuture(b.build());
        }
      }));
    }
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
    return new RemoteReplica("peer", ReplicaGrpcClient.create(GrpcClient.client(vertx), to), HybridLogicalClock.system(0), 1 << 20);
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
    RemoteReplica replica = replica(peer(false));
    List<String> keys = keys(300);
    assertAnswers(keys, readInOneTurn(replica, keys));
    assertEquals(List.of("ReadMany 128", "ReadMany 128", "ReadMany 44"), calls);
    calls.clear();
    assertAnswers(List.of("b"), readInOneTurn(replica, List.of("b")));
    assertEquals(List.of("Read b"), calls);
  }

  @Test
  void aPeerWithoutReadManyAnswersUnimplementedAndGetsTheReadsOneByOneFromThenOn() throws Exception {
    SocketAddress old = peer(true);
    // what an older node really answers for the RPC it does not know
    var err = assertThrows(Exception.class, () -> ReplicaGrpcClient.create(GrpcClient.client(vertx), old)
        .readMany(ReplicaProto.ReadBatch.newBuilder().addKeys("a").build()).await());
    assertTrue(err instanceof InvalidStatusException s && s.actualStatus() == GrpcStatus.UNIMPLEMENTED, String.valueOf(err));
    RemoteReplica replica = replica(old);
    List<String> keys = keys(5);
    assertAnswers(keys, readInOneTurn(replica, keys));
    // sent side by side, so they arrive in any order
    assertEquals(List.of("Read a", "Read a", "Read absent-2", "Read b", "Read b"), calls.stream().sorted().toList());
    calls.clear();
    assertAnswers(List.of("a", "b"), readInOneTurn(replica, List.of("a", "b")));
    assertEquals(List.of("Read a", "Read b"), calls.stream().sorted().toList());
  }

  @Test
  void aNodeAnswersReadManyInOrderAndRefusesBatchesOutsideItsLimitsByName() {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1).put("maxKeyBytes", 64)).start()) {
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
