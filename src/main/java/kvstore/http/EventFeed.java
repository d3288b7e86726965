package kvstore.http;

import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.processors.FlowableProcessor;
import io.reactivex.rxjava3.processors.PublishProcessor;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import kvstore.log.EventLog;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The console's live event feed, {@code GET /v1/events} as Server-Sent Events: the node's INFO and
 * WARN lines and, while someone watches, its cluster events ([GOSSIP], [FAILURE-DETECTOR],
 * [ANTI-ENTROPY], [HINT], [READ-REPAIR]), never per-request traces. A watcher starts with the
 * last {@value #HISTORY} lines. Lines come from any thread into one stream; a watcher that reads
 * slower than the node writes loses lines (dropped, and counted in the next one it gets), so a
 * stalled browser can never hold memory or slow the node.
 */
final class EventFeed {
  static final int HISTORY = 100;
  /** Lines a watcher may have in flight before newer ones are dropped. */
  private static final int BUFFER = 256;

  private final FlowableProcessor<JsonObject> lines = PublishProcessor.<JsonObject>create().toSerialized();
  private final ArrayDeque<JsonObject> history = new ArrayDeque<>();
  private final AtomicInteger watchers = new AtomicInteger();
  private final String nodeId;
  private final EventLog log;
  private final LongSupplier clock;

  EventFeed(String nodeId, EventLog log, LongSupplier clock) {
    this.nodeId = nodeId;
    this.log = log;
    this.clock = clock;
    log.feedTo(this::publish);
  }

  private void publish(String line) {
    JsonObject event = new JsonObject().put("t", clock.getAsLong()).put("node", nodeId).put("line", line);
    synchronized (history) {
      history.addLast(event);
      if (history.size() > HISTORY) {
        history.removeFirst();
      }
    }
    lines.onNext(event);
  }

  void mount(Router router, Scheduler onContext) {
    router.get("/v1/events").handler(ctx -> watch(ctx, onContext));
  }

  private void watch(RoutingContext ctx, Scheduler onContext) {
    HttpServerResponse resp = ctx.response().setChunked(true).putHeader("content-type", "text/event-stream")
        .putHeader("cache-control", "no-cache").putHeader("x-accel-buffering", "no");
    List<JsonObject> past;
    synchronized (history) {
      past = new ArrayList<>(history);
    }
    resp.write(": " + nodeId + " event feed\n\n");
    past.forEach(e -> send(resp, e));
    AtomicLong dropped = new AtomicLong();
    Disposable d = lines.onBackpressureDrop(e -> dropped.incrementAndGet())
        .observeOn(onContext, false, BUFFER)
        .subscribe(e -> {
          long lost = dropped.getAndSet(0);
          if (resp.writeQueueFull()) {
            dropped.addAndGet(lost + 1);
            return;
          }
          send(resp, lost == 0 ? e : e.copy().put("dropped", lost));
        });
    if (watchers.incrementAndGet() == 1) {
      log.openFeed(true);
    }
    resp.closeHandler(v -> {
      d.dispose();
      if (watchers.decrementAndGet() == 0) {
        log.openFeed(false);
      }
    });
  }

  private static void send(HttpServerResponse resp, JsonObject e) {
    resp.write("data: " + e.encode() + "\n\n");
  }
}
