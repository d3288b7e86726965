package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import kvstore.config.ConfigException;
import kvstore.config.NodeConfig;
import kvstore.metrics.NodeMetrics;
import kvstore.node.EventLog;
import kvstore.version.Versions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Owns the node's {@link SqliteStorage}: the single writer (rows, hints, purges) on the event bus; reads go to {@link StorageReaderVerticle}s. */
public final class StorageVerticle extends VerticleBase {
  private final NodeConfig config;
  private final Path dataDir;
  private final EventLog log;
  private SqliteStorage storage;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long purgeTimer = -1;

  private final NodeMetrics metrics;

  public StorageVerticle(NodeConfig config, NodeMetrics metrics, EventLog log) {
    this.config = config;
    this.metrics = metrics;
    this.dataDir = Path.of(config.dataDir());
    this.log = log;
  }

  @Override
  public Future<?> start() {
    return vertx.executeBlocking(() -> {
      try {
        Files.createDirectories(dataDir);
        Path probe = Files.createTempFile(dataDir, ".probe", ".tmp");
        Files.delete(probe);
      } catch (IOException | SecurityException e) {
        throw new ConfigException("dataDir '" + dataDir + "' is not a writable directory: " + e);
      }
      return null;
    }).compose(v -> SqliteStorage.open(vertx, dataDir, config.storageSync(), config.writeBatchMax())).map(s -> {
      storage = s;
      storage.stats().onCommit(metrics::storageCommit);
      consumers.add(vertx.eventBus().<StorageMessages.WriteRows>consumer(StorageMessages.WRITE,
          m -> reply(m, storage.write(m.body().rows()).map(StorageMessages.StoredVersions::new))));
      consumers.add(vertx.eventBus().<StorageMessages.AddHints>consumer(StorageMessages.HINTS_ADD,
          m -> reply(m, storage.addHints(m.body().hints(), config.maxHintsPerNode()))));
      consumers.add(vertx.eventBus().<StorageMessages.DropHints>consumer(StorageMessages.HINTS_DROP,
          m -> reply(m, storage.dropHints(m.body().target(), m.body().ids()))));
      consumers.add(vertx.eventBus().consumer(StorageMessages.HINT_COUNTS,
          m -> m.reply(new StorageMessages.HintCounts(storage.hintCounts()))));
      purgeTimer = vertx.setPeriodic(config.tombstoneGcIntervalMs(), t -> purgeTombstones());
      return s;
    });
  }

  private static <T> void reply(Message<?> m, Future<T> result) {
    StorageReaderVerticle.reply(m, result);
  }

  /**
   * Tombstones older than tombstoneGraceMs are deleted. Safe only because a replica that missed the
   * delete hears of it (hints, read repair, anti-entropy) within the grace period; a node down for
   * longer must be wiped and rejoined, or the value it still holds would come back.
   */
  private void purgeTombstones() {
    long cutoff = Versions.fromMillis(System.currentTimeMillis() - config.tombstoneGraceMs());
    storage.purgeTombstones(cutoff).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("tombstone purge failed", ar.cause());
      } else if (ar.result() > 0) {
        log.info("[TOMBSTONE-GC] purged " + ar.result() + " tombstones older than " + config.tombstoneGraceMs() + " ms");
      }
    });
  }

  public SqliteStorage storage() {
    return storage;
  }

  @Override
  public Future<?> stop() {
    if (purgeTimer >= 0) {
      vertx.cancelTimer(purgeTimer);
    }
    List<Future<Void>> unregs = new ArrayList<>();
    for (MessageConsumer<?> c : consumers) {
      unregs.add(c.unregister());
    }
    return Future.join(unregs).compose(v -> storage == null ? Future.succeededFuture() : storage.close());
  }
}
