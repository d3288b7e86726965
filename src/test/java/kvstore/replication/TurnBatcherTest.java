package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batches per event-loop turn, and with a cap on unanswered batches, across turns until an answer comes. */
class TurnBatcherTest {
  private final Vertx vertx = Vertx.vertx();
  /** Every batch sent, in order, and the promise that answers it (answered only when a test says so). */
  private final List<List<Integer>> sent = new ArrayList<>();
  private final List<Promise<List<Integer>>> unanswered = new ArrayList<>();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private TurnBatcher<Integer, Integer> batcher(int maxItems, int maxInFlight) {
    return new TurnBatcher<>("test", maxItems, 1 << 20, maxInFlight, batch -> {
      sent.add(batch);
      Promise<List<Integer>> p = Promise.promise();
      unanswered.add(p);
      return p.future();
    }, n -> { });
  }

  /** Answers batch {@code i} with each item times ten. */
  private void answer(int i) {
    unanswered.get(i).complete(sent.get(i).stream().map(x -> x * 10).toList());
  }

  /** Runs {@code step} as one event-loop turn and waits until it and the turn's scheduled sends are done. */
  private <T> T turn(Supplier<T> step) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> {
      T out = step.get();
      // queued behind the batcher's own end-of-turn task
      vertx.getOrCreateContext().runOnContext(w -> done.complete(out));
    });
    return done.get(10, TimeUnit.SECONDS);
  }

  @Test
  void withoutACapEachTurnSendsItsOwnBatch() throws Exception {
    TurnBatcher<Integer, Integer> b = batcher(128, 0);
    turn(() -> List.of(b.add(1, 1), b.add(2, 1)));
    turn(() -> b.add(3, 1));
    assertEquals(List.of(List.of(1, 2), List.of(3)), sent);
  }

  @Test
  void turnsWaitForAnAnswerAndThenGoTogether() throws Exception {
    TurnBatcher<Integer, Integer> b = batcher(128, 1);
    Future<Integer> first = turn(() -> b.add(1, 1));
    Future<Integer> second = turn(() -> b.add(2, 1));
    Future<Integer> third = turn(() -> b.add(3, 1));
    assertEquals(List.of(List.of(1)), sent, "2 and 3 wait while batch [1] is unanswered");
    turn(() -> {
      answer(0);
      return null;
    });
    assertEquals(List.of(List.of(1), List.of(2, 3)), sent, "the answer sends what waited, as one batch");
    turn(() -> {
      answer(1);
      return null;
    });
    assertEquals(10, first.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertEquals(20, second.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertEquals(30, third.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
    Future<Integer> alone = turn(() -> b.add(4, 1));
    assertEquals(List.of(4), sent.get(2), "with nothing in flight an item goes in its own turn");
    assertTrue(!alone.isComplete());
  }

  @Test
  void aFullBatchGoesWhateverIsInFlight() throws Exception {
    TurnBatcher<Integer, Integer> b = batcher(2, 1);
    turn(() -> b.add(1, 1));
    turn(() -> List.of(b.add(2, 1), b.add(3, 1), b.add(4, 1)));
    assertEquals(List.of(List.of(1), List.of(2, 3)), sent, "the full batch [2, 3] went; [4] waits");
    turn(() -> {
      answer(0);
      return null;
    });
    assertEquals(2, sent.size(), "[2, 3] is still unanswered: the cap is reached again");
    turn(() -> {
      answer(1);
      return null;
    });
    assertEquals(List.of(4), sent.get(2));
  }

  @Test
  void aFailedBatchFailsItsOwnItemsAndReleasesTheWaiting() throws Exception {
    TurnBatcher<Integer, Integer> b = batcher(128, 1);
    Future<Integer> first = turn(() -> b.add(1, 1));
    Future<Integer> second = turn(() -> b.add(2, 1));
    turn(() -> {
      unanswered.get(0).fail("peer down");
      return null;
    });
    assertTrue(first.failed());
    assertEquals(List.of(List.of(1), List.of(2)), sent);
    turn(() -> {
      answer(1);
      return null;
    });
    assertEquals(20, second.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
  }
}
