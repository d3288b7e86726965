package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import kvstore.config.ConfigException;
import kvstore.config.NodeConfig;
import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;
import kvstore.version.Versions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Owns the node's {@link SqliteStorage}: the single writer (rows, hints, purges) on the event bus; reads go to {@link StorageReaderVerticle}s. */
public final class StorageVerticle extends VerticleBase {
  private final NodeConfig config;
  private final Path dataDir;
  private final EventLog log;
  private SqliteStorage storage;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long purgeTimer = -1;
  /** Rows per build page: large enough to scan fast, small enough that a write queued behind one waits a few ms. */
  private static final int TREE_PAGE_ROWS = 2000;
  private static final long TREE_RETRY_MS = 1000;
  /** Address that starts a Merkle tree build for a new ring: its body is the empty {@link RowHashIndex} to fill. */
  public static final String REBUILD_TREES = "kv.storage.trees.rebuild";

  private final NodeMetrics metrics;

  private final AtomicReference<RowHashIndex> trees;

  private final RowCache cache;

  public StorageVerticle(NodeConfig config, NodeMetrics metrics, EventLog log, AtomicReference<RowHashIndex> trees, RowCache cache) {
    this.config = config;
    this.cache = cache;
    this.trees = trees;
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
      long ms = IntegrityCheck.run(dataDir, config.startupIntegrityCheck());
      // said only when it made the start noticeably longer (10M rows: ~6 s)
      if (ms >= 1000) {
        log.info("integrity check of " + dataDir.resolve("kv.db") + ": ok in " + ms + " ms");
      }
      return null;
    }).compose(v -> SqliteStorage.open(vertx, SqliteFile.of(config), config.writeBatchMax(), trees, log::info))
        .map(s -> {
      storage = s;
      storage.cacheRows(cache);
      storage.capHints(config.maxHintsPerNode());
      storage.stats().onCommit(this::committed);
      consumers.add(vertx.eventBus().<StorageRequests.ToWriter<?>>consumer(StorageRequests.WRITER,
          m -> reply(m, watchingDisk(m.body().run(storage)))));
      consumers.add(vertx.eventBus().<RowHashIndex>consumer(REBUILD_TREES, m -> rebuild(m.body())));
      purgeTimer = vertx.setPeriodic(config.tombstoneGcIntervalMs(), t -> purgeTombstones());
      return s;
    });
  }

  /** Whether the last commit failed on a full disk; cleared by the next commit that succeeds. */
  private final java.util.concurrent.atomic.AtomicBoolean diskFull = new java.util.concurrent.atomic.AtomicBoolean();

  /** A failure on a full disk becomes {@link DiskFull}: one ERROR when the disk fills, a clear message to the caller. */
  private <T> Future<T> watchingDisk(Future<T> result) {
    return result.recover(err -> {
      if (!DiskFull.causedBy(err)) {
        return Future.failedFuture(err);
      }
      if (diskFull.compareAndSet(false, true)) {
        metrics.diskFull(true);
        log.error("[STORAGE] the disk of dataDir " + dataDir.toAbsolutePath() + " is full (" + freeBytes() + " bytes usable):"
            + " writes to this replica fail and are hinted to others; reads go on; it resumes by itself once space is freed");
      }
      return Future.failedFuture(new DiskFull(dataDir.toAbsolutePath().toString()));
    });
  }

  /**
   * A full disk counts as full again only once this much is usable: on a full disk SQLite still
   * commits now and then into pages freed inside its file, and each of those would otherwise say
   * "room again" and the next failure "full" (5 ERROR lines in 20 s in edges.sh).
   */
  private static final long ROOM_AGAIN_BYTES = 16L * 1024 * 1024;
  private final java.util.concurrent.atomic.AtomicBoolean checkingRoom = new java.util.concurrent.atomic.AtomicBoolean();

  private void committed(int rows, long nanos) {
    metrics.storageCommit(rows, nanos);
    if (!diskFull.get() || !checkingRoom.compareAndSet(false, true)) {
      return;
    }
    vertx.executeBlocking(this::freeBytes, false).onComplete(ar -> {
      checkingRoom.set(false);
      long usable = ar.succeeded() ? ar.result() : -1;
      if ((usable < 0 || usable >= ROOM_AGAIN_BYTES) && diskFull.compareAndSet(true, false)) {
        metrics.diskFull(false);
        log.info("[STORAGE] the disk of dataDir " + dataDir.toAbsolutePath() + " has room again (" + usable
            + " bytes usable): writes to this replica resume; hints and anti-entropy bring it up to date");
      }
    });
  }

  private long freeBytes() {
    try {
      return Files.getFileStore(dataDir).getUsableSpace();
    } catch (IOException e) {
      return -1;
    }
  }

  private static <T> void reply(Message<?> m, Future<T> result) {
    StorageReaderVerticle.reply(m, result);
  }

  /**
   * Tombstones, and values past their expiry, older than tombstoneGraceMs are deleted. Safe only because a replica that missed the
   * delete hears of it (hints, read repair, anti-entropy) within the grace period; a node down for
   * longer must be wiped and rejoined, or the value it still holds would come back.
   */
  private void purgeTombstones() {
    long cutoffMs = System.currentTimeMillis() - config.tombstoneGraceMs();
    storage.prunePaxos(Versions.fromMillis(cutoffMs)).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("Paxos state prune failed", ar.cause());
      }
    });
    storage.purgeTombstones(Versions.fromMillis(cutoffMs), cutoffMs).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("tombstone purge failed", ar.cause());
      } else if (ar.result() > 0) {
        log.info("[TOMBSTONE-GC] purged " + ar.result() + " tombstones and expired values older than " + config.tombstoneGraceMs() + " ms");
      }
    });
  }

  private RowHashIndex latestBuild;

  /** Builds the Merkle trees for a new ring in the background, with a progress line every 10%-ish of rows. */
  private void rebuild(RowHashIndex fresh) {
    long t0 = System.nanoTime();
    latestBuild = fresh;
    storage.count().compose(total -> {
      // counts run on reader contexts and may finish out of order: a ring that changed twice in
      // quick succession (a restarted node learning its peers) must end with the newer ring's trees
      if (latestBuild != fresh) {
        return Future.failedFuture("superseded by a newer ring's build");
      }
      log.info("[ANTI-ENTROPY] building Merkle trees for ring " + Long.toHexString(fresh.fingerprint()) + " over " + total + " rows");
      long step = Math.max(TREE_PAGE_ROWS, total / 10);
      long[] next = {step};
      return storage.rebuildTrees(fresh, TREE_PAGE_ROWS, TREE_RETRY_MS, t -> {
        if (t.rowsScanned() >= next[0]) {
          next[0] += step;
          log.info("[ANTI-ENTROPY] Merkle trees: " + t.rowsScanned() + "/" + total + " rows scanned");
        }
      }, err -> log.warn("[ANTI-ENTROPY] Merkle tree build for ring " + Long.toHexString(fresh.fingerprint()) + " paused: "
          + err.getMessage() + "; trying again every " + TREE_RETRY_MS + " ms"));
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        log.info("[ANTI-ENTROPY] Merkle trees ready: " + ar.result() + " rows in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      } else {
        log.info("[ANTI-ENTROPY] Merkle tree build for ring " + Long.toHexString(fresh.fingerprint()) + " stopped: " + ar.cause().getMessage());
      }
    });
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
