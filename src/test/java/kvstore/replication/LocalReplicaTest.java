package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import kvstore.storage.Storage;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LocalReplicaTest {
  private final Vertx vertx = Vertx.vertx();
  /** The rows of every write request the fake storage received, in order. */
  private final List<List<Versioned>> requests = new ArrayList<>();
  private final List<Integer> reportedSizes = new ArrayList<>();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** Storage that answers each row's version + 1000, or fails every request holding the key "bad". */
  private final Storage storage = new Storage() {
    @Override
    public Future<long[]> write(List<Versioned> rows) {
      requests.add(rows);
      if (rows.stream().anyMatch(r -> r.key().equals("bad"))) {
        return Future.failedFuture("disk full");
      }
      return Future.succeededFuture(rows.stream().mapToLong(r -> r.version() + 1000).toArray());
    }

    @Override
    public Future<Versioned> read(String key) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<List<Versioned>> chunk(int chunkId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<List<Versioned>> tokenRanges(List<long[]> ranges) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<List<Versioned>> scan(kvstore.storage.TokenScan scan) {
      throw new UnsupportedOperationException();
    }
  };

  private LocalReplica replica(long batchBytes) {
    return new LocalReplica("self", storage, HybridLogicalClock.system(0, 10_000), batchBytes, reportedSizes::add,
        calls -> io.vertx.core.Future.failedFuture("this test exercises rows only"));
  }

  /** Writes {@code rows} in one event-loop turn; answers each one's outcome (version or failure message). */
  private List<Object> writeInOneTurn(LocalReplica replica, List<Versioned> rows) throws Exception {
    CompletableFuture<List<Object>> done = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      List<Future<Long>> answers = new ArrayList<>();
      rows.forEach(r -> answers.add(replica.write(r, true)));
      Future.join(answers).onComplete(ar -> {
        List<Object> out = new ArrayList<>();
        answers.forEach(a -> out.add(a.succeeded() ? a.result() : a.cause().getMessage()));
        done.complete(out);
      });
    });
    return done.get(10, TimeUnit.SECONDS);
  }

  private static List<Versioned> rows(int n, int valueBytes) {
    List<Versioned> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Versioned("k" + i, new byte[valueBytes], i + 1, false));
    }
    return out;
  }

  @Test
  void writesOfOneTurnReachStorageAsOneRequestOfAtMost128RowsEachAnsweredItsOwnVersion() throws Exception {
    List<Object> answers = writeInOneTurn(replica(1 << 20), rows(200, 10));
    assertEquals(List.of(128, 72), requests.stream().map(List::size).toList());
    assertEquals(List.of(128, 72), reportedSizes);
    for (int i = 0; i < 200; i++) {
      assertEquals((long) i + 1 + 1000, answers.get(i), "answer of write " + i);
    }
  }

  @Test
  void theByteBudgetSplitsRequestsAndALargerRowGoesAlone() throws Exception {
    // each row is 2 key bytes + 40 value bytes: two fit in 100 bytes, a third does not
    List<Versioned> rows = new ArrayList<>(rows(5, 40));
    rows.add(2, new Versioned("big", new byte[500], 9, false));
    writeInOneTurn(replica(100), rows);
    assertEquals(List.of(2, 1, 2, 1), requests.stream().map(List::size).toList());
    assertEquals("big", requests.get(1).get(0).key());
  }

  @Test
  void aFailedRequestFailsExactlyItsOwnWrites() throws Exception {
    LocalReplica replica = replica(1 << 20);
    List<Object> first = writeInOneTurn(replica, List.of(new Versioned("a", new byte[1], 1, false), new Versioned("bad", new byte[1], 2, false)));
    List<Object> second = writeInOneTurn(replica, List.of(new Versioned("c", new byte[1], 3, false)));
    assertEquals(List.of("disk full", "disk full"), first);
    assertEquals(List.of(1003L), second);
  }

  @Test
  void aWriteOutsideAnyEventLoopGoesAtOnce() throws Exception {
    Long version = replica(1 << 20).write(new Versioned("k", new byte[3], 7, false), false).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(1007L, version);
    assertEquals(1, requests.size());
  }
}
