package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import kvstore.config.NodeConfig;
import kvstore.log.EventLog;

import java.nio.file.Path;

/**
 * Copies the write-ahead log into the database file in the background, on its own connection and
 * context, so the writer never does it. Left to SQLite, the commit that takes the WAL past
 * {@link SqliteFile#WAL_AUTOCHECKPOINT_PAGES} pages runs the checkpoint itself: it writes those
 * pages into the database and fsyncs it while every write queued behind that commit waits. Profiled
 * under puts, fsyncs were two thirds of the writer's time. A passive checkpoint never blocks the
 * writer or readers; it copies what no reader still needs, and the writer starts the log over once
 * all of it is copied. If this verticle falls behind, SQLite's own checkpoint at the (higher)
 * threshold still bounds the log.
 *
 * <p>The interval follows how fast the log grows ({@link CheckpointPacing}): the time it takes to
 * gain {@code walCheckpointFramesPerCopy} pages, between {@code walCheckpointIntervalMs} (20 ms)
 * and {@code walCheckpointMaxIntervalMs} (1 s). Short under fast writes: under steady puts to 10M
 * rows, where every put dirties a different page, the log starts over only when a passive copy
 * finishes with no commit after it; every 100 ms, that was rare enough that the log reached
 * SQLite's own threshold, and that commit's writes waited ~250 ms for its copy. Longer under slower
 * ones, where each checkpoint is mostly its fsync. See docs/performance.md, "Cost as data grows".
 */
public final class WalCheckpointVerticle extends VerticleBase {

  private final NodeConfig config;
  private final EventLog log;
  private Pool pool;
  private CheckpointPacing pacing;
  private long timer = -1;
  private boolean stopped;

  public WalCheckpointVerticle(NodeConfig config, EventLog log) {
    this.config = config;
    this.log = log;
  }

  @Override
  public Future<?> start() {
    pool = SqliteValues.pool(vertx, SqliteFile.of(config).url(), 1, "kv-checkpoint");
    pacing = new CheckpointPacing(config.walCheckpointIntervalMs(), config.walCheckpointMaxIntervalMs(),
        config.walCheckpointFramesPerCopy());
    schedule(pacing.minMs());
    return Future.succeededFuture();
  }

  private void schedule(long delayMs) {
    if (!stopped) {
      timer = vertx.setTimer(delayMs, t -> checkpoint());
    }
  }

  /** One passive checkpoint; the next is scheduled when it is done, so they never overlap. */
  private void checkpoint() {
    pool.query("PRAGMA wal_checkpoint(PASSIVE)").execute().onComplete(ar -> {
      if (ar.failed()) {
        // on a full disk this fails every interval: one line every few seconds says so
        log.warnLimited("wal-checkpoint", "[STORAGE] background WAL checkpoint failed: " + ar.cause().getMessage());
        schedule(pacing.nextDelayMs(-1, System.currentTimeMillis()));
        return;
      }
      Row r = ar.result().iterator().next();
      long frames = r.getLong(1) == null ? 0 : r.getLong(1);
      log.trace(() -> "[STORAGE] WAL checkpoint: " + r.getLong(2) + " of " + frames + " frames copied");
      schedule(pacing.nextDelayMs(frames, System.currentTimeMillis()));
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }
}
