package kvstore.replication;

import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;
import kvstore.storage.HintStore;
import kvstore.storage.Hint;
import kvstore.version.Versioned;

import java.util.List;

/** Hints committed to this node's SQLite through the storage verticle (they survive a restart). */
public final class StorageHintSink implements HintSink {
  private final HintStore storage;
  private final NodeMetrics metrics;
  private final EventLog log;

  public StorageHintSink(HintStore storage, NodeMetrics metrics, EventLog log) {
    this.storage = storage;
    this.metrics = metrics;
    this.log = log;
  }

  @Override
  public void hint(String target, Versioned row) {
    storage.addHints(List.of(new Hint(0, target, row))).onComplete(ar -> {
      if (ar.failed()) {
        log.warnLimited("hint-store", "[HINT] could not store hint for " + target + ": " + ar.cause().getMessage());
      } else if (ar.result() == 0) {
        metrics.hintDropped();
        log.event(() -> "[HINT] cap reached for " + target + "; " + row.key() + " left to anti-entropy");
      } else {
        metrics.hintStored();
        log.event(() -> "[HINT] stored for " + target + ": " + row);
      }
    });
  }
}
