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
 * <p>The interval ({@code walCheckpointIntervalMs}, 20 ms) is short because of large tables: under
 * steady puts to 10M rows, where every put dirties a different page, the log starts over only
 * when a passive copy finishes with no commit after it. Every 100 ms, that was rare enough that
 * the log reached SQLite's own threshold, and that commit's writes waited ~250 ms for its copy;
 * every 20 ms, each copy is small and the log starts over long before. See docs/performance.md,
 * "Cost as data grows".
 */
public final class WalCheckpointVerticle extends VerticleBase {

  private final NodeConfig config;
  private final EventLog log;
  private Pool pool;
  private long timer = -1;
  private boolean running;

  public WalCheckpointVerticle(NodeConfig config, EventLog log) {
    this.config = config;
    this.log = log;
  }

  @Override
  public Future<?> start() {
    pool = SqliteValues.pool(vertx, SqliteFile.of(config).url(), 1, "kv-checkpoint");
    timer = vertx.setPeriodic(config.walCheckpointIntervalMs(), t -> checkpoint());
    return Future.succeededFuture();
  }

  private void checkpoint() {
    if (running) {
      return;
    }
    running = true;
    pool.query("PRAGMA wal_checkpoint(PASSIVE)").execute().onComplete(ar -> {
      running = false;
      if (ar.failed()) {
        // on a full disk this fails every interval: one line every few seconds says so
        log.warnLimited("wal-checkpoint", "[STORAGE] background WAL checkpoint failed: " + ar.cause().getMessage());
        return;
      }
      Row r = ar.result().iterator().next();
      log.trace(() -> "[STORAGE] WAL checkpoint: " + r.getLong(2) + " of " + r.getLong(1) + " frames copied");
    });
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }
}
