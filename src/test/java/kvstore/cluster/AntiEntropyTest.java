package kvstore.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import kv.Kv;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.testing.Await;
import kvstore.testing.InProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Merkle-tree anti-entropy on three nodes in one JVM, hinted handoff off: a node that missed 100k
 * writes gets them from anti-entropy alone, and replicas that agree exchange nothing.
 */
class AntiEntropyTest {
  private static final int KEYS = 100_000;

  @TempDir
  Path dir;

  private static void setup(int i, JsonObject cfg) {
    cfg.put("hintedHandoff", false).put("failureDetectorPauseMs", 300).put("failureDetectorMinStdDevMs", 100)
        .put("requestTimeoutMs", 3000).put("antiEntropyRowsPerSec", 1_000_000);
    if (i == 2) {
      // only the node that missed the writes runs periodic rounds, so the rounds are what heals it
      cfg.put("antiEntropyIntervalMs", 500);
    }
  }

  private static ReplicaGrpcClient replica(InProcessCluster c, int i) {
    return ReplicaGrpcClient.create(GrpcClient.client(c.clientVertx()),
        SocketAddress.inetSocketAddress(c.config(i).getInteger("grpcPort"), "127.0.0.1"));
  }

  private static long rows(InProcessCluster c, int i) {
    return replica(c, i).status(ReplicaProto.StatusRequest.getDefaultInstance()).await().getRows();
  }

  /** Runs a repair through the RPC kvctl uses; answers every progress message, the final one last. */
  private static List<ReplicaProto.RepairProgress> repair(InProcessCluster c, int i, String peer) {
    return replica(c, i).repair(ReplicaProto.RepairRequest.newBuilder().setPeer(peer).build()).compose(stream -> {
      List<ReplicaProto.RepairProgress> all = new ArrayList<>();
      Promise<List<ReplicaProto.RepairProgress>> done = Promise.promise();
      stream.handler(all::add);
      stream.exceptionHandler(done::tryFail);
      stream.endHandler(v -> done.tryComplete(all));
      return done.future();
    }).await();
  }


  @Test
  void nodeThatMissedWritesConvergesThroughAntiEntropyAloneAndAgreeingReplicasExchangeNothing() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, AntiEntropyTest::setup).start()) {
      c.stop(2);
      Await.until("node3 DOWN in node1's view", Duration.ofSeconds(10), () -> c.statusSeenBy(0, "node3").equals("DOWN"));
      var stub = c.client(0).stub();
      for (int from = 0; from < KEYS; from += 500) {
        List<Future<Kv.PutResponse>> window = new ArrayList<>();
        for (int i = from; i < from + 500; i++) {
          window.add(stub.put(Kv.PutRequest.newBuilder().setKey("ae-" + i).setValue("value-" + i)
              .setConsistency(Kv.Consistency.QUORUM).build()));
        }
        Future.all(window).await();
      }
      c.client(0).delete("ae-7", Kv.Consistency.QUORUM);
      assertEquals(KEYS, rows(c, 0));
      assertEquals(KEYS, rows(c, 1));

      c.start(2);
      assertEquals(0, rows(c, 2), "no hints: node3 comes back without the writes");
      Await.until("node3 to hold all " + KEYS + " rows through periodic anti-entropy", Duration.ofSeconds(120),
          () -> rows(c, 2) == KEYS);
      Await.until("node3's trees to agree with node1's and node2's", Duration.ofSeconds(30), () -> {
        List<ReplicaProto.RepairProgress> all = repair(c, 2, "");
        ReplicaProto.RepairProgress last = all.get(all.size() - 1);
        return last.getDone() && last.getRowsPulled() + last.getRowsPushed() == 0;
      });
      assertEquals("value-99999", new String(replica(c, 2).read(ReplicaProto.ReadRequest.newBuilder().setKey("ae-99999").build())
          .await().getRow().getValue().toByteArray()));
      assertTrue(replica(c, 2).read(ReplicaProto.ReadRequest.newBuilder().setKey("ae-7").build()).await().getRow().getTombstone(),
          "the delete travelled as a tombstone");

      // identical replicas: one round trip of root hashes, nothing else
      List<ReplicaProto.RepairProgress> steps = repair(c, 0, "node2");
      ReplicaProto.RepairProgress last = steps.get(steps.size() - 1);
      assertTrue(last.getDone());
      assertEquals(1, last.getPeersTotal());
      assertTrue(last.getRangesCompared() > 0, "node1 and node2 share ranges");
      assertEquals(0, last.getRangesDiffering());
      assertEquals(0, last.getLeavesDiffering());
      assertEquals(0, last.getRowsPulled() + last.getRowsPushed());
      assertTrue(last.getBytes() < 16 * 1024, "a round between identical replicas moved " + last.getBytes() + " bytes");
      assertFalse(last.getMessage().contains("failed"), last.getMessage());
    }
  }
}
