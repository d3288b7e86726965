package kvstore.replication;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Sends the items one event-loop turn produces as one batch. The first item of a turn schedules
 * the send behind the tasks already queued, and every item added before it runs joins it. Under
 * load a coordinator produces many writes and reads per turn (one socket read holds several client
 * requests, one commit completes a whole group), and each message — an RPC to a peer, an event-bus
 * request to the storage writer — costs far more than an item inside it; with one item in flight
 * the batch is that item, sent in the same turn. Each item still gets its own answer, and a failed
 * batch fails exactly its own items. Used from one event loop only.
 *
 * @param <T> what a batch is made of
 * @param <R> the answer to one item
 */
final class TurnBatcher<T, R> {
  private final String target;
  private final int maxItems;
  private final long maxBytes;
  /** Sends a batch; answers one result per item, in order. */
  private final Function<List<T>, Future<List<R>>> send;
  /** Hears each batch's size as it is sent. */
  private final IntConsumer sizes;
  private List<T> items = new ArrayList<>();
  private List<Promise<R>> waiters = new ArrayList<>();
  private long pendingBytes;
  private boolean sendScheduled;

  /**
   * {@code target}: who receives the batches, for error messages; {@code maxBytes}: the batch's size
   * budget, a single item larger than it still goes alone.
   */
  TurnBatcher(String target, int maxItems, long maxBytes, Function<List<T>, Future<List<R>>> send, IntConsumer sizes) {
    this.sizes = sizes;
    this.target = target;
    this.maxItems = maxItems;
    this.maxBytes = maxBytes;
    this.send = send;
  }

  /** Adds {@code item} (of {@code bytes} size) to this turn's batch; completes with its answer. */
  Future<R> add(T item, long bytes) {
    if (!items.isEmpty() && (pendingBytes + bytes > maxBytes || items.size() >= maxItems)) {
      flush();
    }
    Promise<R> answer = Promise.promise();
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
    List<Promise<R>> answers = waiters;
    items = new ArrayList<>();
    waiters = new ArrayList<>();
    pendingBytes = 0;
    sizes.accept(batch.size());
    Future<List<R>> sent;
    try {
      sent = send.apply(batch);
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    sent.onComplete(ar -> {
      if (ar.failed()) {
        answers.forEach(a -> a.fail(ar.cause()));
      } else if (ar.result().size() != answers.size()) {
        IllegalStateException wrong = new IllegalStateException(
            target + " answered " + ar.result().size() + " results for " + answers.size() + " items");
        answers.forEach(a -> a.fail(wrong));
      } else {
        for (int i = 0; i < answers.size(); i++) {
          answers.get(i).complete(ar.result().get(i));
        }
      }
    });
  }
}
