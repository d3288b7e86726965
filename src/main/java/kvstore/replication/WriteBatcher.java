package kvstore.replication;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Sends the writes one event-loop turn produces as one batch. The first write of a turn schedules
 * the send behind the tasks already queued, and every write added before it runs joins it. Under
 * load a coordinator produces many writes per turn (one socket read holds several client requests,
 * one commit completes a whole group), and each message — an RPC to a peer, an event-bus request
 * to the storage writer — costs far more than a row inside it; with one write in flight the batch
 * is that write, sent in the same turn. Each write still gets its own answer, and a failed batch
 * fails exactly its own writes. Used from one event loop only.
 *
 * @param <T> what a batch is made of
 */
final class WriteBatcher<T> {
  private final String target;
  private final int maxItems;
  private final long maxBytes;
  /** Sends a batch; answers one stored version per item, in order. */
  private final Function<List<T>, Future<long[]>> send;
  private List<T> items = new ArrayList<>();
  private List<Promise<Long>> waiters = new ArrayList<>();
  private long pendingBytes;
  private boolean sendScheduled;

  /**
   * {@code target}: who receives the batches, for error messages; {@code maxBytes}: the batch's size
   * budget, a single item larger than it still goes alone.
   */
  WriteBatcher(String target, int maxItems, long maxBytes, Function<List<T>, Future<long[]>> send) {
    this.target = target;
    this.maxItems = maxItems;
    this.maxBytes = maxBytes;
    this.send = send;
  }

  /** Adds {@code item} (of {@code bytes} size) to this turn's batch; completes with its stored version. */
  Future<Long> add(T item, long bytes) {
    if (!items.isEmpty() && (pendingBytes + bytes > maxBytes || items.size() >= maxItems)) {
      flush();
    }
    Promise<Long> answer = Promise.promise();
    items.add(item);
    waiters.add(answer);
    pendingBytes += bytes;
    if (!sendScheduled) {
      Context context = Vertx.currentContext();
      if (context == null) {
        flush();
      } else {
        sendScheduled = true;
        context.runOnContext(v -> {
          sendScheduled = false;
          flush();
        });
      }
    }
    return answer.future();
  }

  private void flush() {
    if (items.isEmpty()) {
      return;
    }
    List<T> batch = items;
    List<Promise<Long>> answers = waiters;
    items = new ArrayList<>();
    waiters = new ArrayList<>();
    pendingBytes = 0;
    Future<long[]> sent;
    try {
      sent = send.apply(batch);
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    sent.onComplete(ar -> {
      if (ar.failed()) {
        answers.forEach(a -> a.fail(ar.cause()));
      } else if (ar.result().length != answers.size()) {
        IllegalStateException wrong = new IllegalStateException(
            target + " answered " + ar.result().length + " versions for " + answers.size() + " rows");
        answers.forEach(a -> a.fail(wrong));
      } else {
        for (int i = 0; i < answers.size(); i++) {
          answers.get(i).complete(ar.result()[i]);
        }
      }
    });
  }
}
