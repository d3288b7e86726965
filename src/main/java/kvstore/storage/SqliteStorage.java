package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import kvstore.version.Versioned;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The node's SQLite file in WAL mode through the Vert.x JDBC client (its calls run on the worker
 * pool): the schema, and one entry point per kind of change, each a {@link WriteOp} committed by
 * the single writer's {@link GroupCommit} ({@link PutRows}, hints in {@link SqliteHints},
 * {@link Purge}, {@link TreeScanPage}); reads go to a separate pool ({@link SqliteReader}), which WAL
 * lets run beside the writer.
 *
 * <p>Not thread-safe: use it from one Vert.x context (the storage verticle's).
 */
public final class SqliteStorage implements Storage {
  private final Vertx vertx;
  private final Pool writer;
  private final SqliteReader readers;
  private final GroupCommit commits;
  private final SqliteHints hints;
  private final AtomicReference<RowHashIndex> trees;
  /** Enough for the keys CAS is busy with; the table holds the rest. */
  private final PaxosStates paxosStates = new PaxosStates(10_000);

  private SqliteStorage(Vertx vertx, Pool writer, SqliteFile file, int batchMax, AtomicReference<RowHashIndex> trees) {
    this.vertx = vertx;
    this.trees = trees;
    this.writer = writer;
    // the pool connects on first use, after open() has created the schema
    this.readers = new SqliteReader(vertx, file, 1);
    this.commits = new GroupCommit(writer, batchMax, trees);
    this.hints = new SqliteHints(commits, readers);
  }

  public static Future<SqliteStorage> open(Vertx vertx, Path dataDir, String synchronous, int batchMax) {
    return open(vertx, SqliteFile.of(dataDir, synchronous), batchMax, new AtomicReference<>(), notice -> { });
  }

  public static Future<SqliteStorage> open(Vertx vertx, Path dataDir, String synchronous, int batchMax,
                                           AtomicReference<RowHashIndex> trees) {
    return open(vertx, SqliteFile.of(dataDir, synchronous), batchMax, trees, notice -> { });
  }

  /**
   * Opens (creating) the store. {@code trees} receives the index a {@link #rebuildTrees} builds,
   * kept current by every write from then on. Each row carries its ring token and its
   * {@link RowHash}, computed in Java (SQLite has neither Murmur3 nor our row hash); see
   * {@link KvSchema} for the layout. {@code notice} hears of long one-time work (moving a store's
   * rows to the current layout).
   */
  public static Future<SqliteStorage> open(Vertx vertx, SqliteFile file, int batchMax,
                                           AtomicReference<RowHashIndex> trees, java.util.function.Consumer<String> notice) {
    Pool writer = SqliteValues.pool(vertx, file.url(), 1, "kv-writer");
    SqliteStorage s = new SqliteStorage(vertx, writer, file, batchMax, trees);
    return KvSchema.prepare(writer, notice)
        .compose(r -> SqliteHints.createTable(writer))
        .compose(r -> writer.query(PaxosStep.TABLE).execute())
        .compose(r -> s.hints.loadCounts(writer))
        .map(r -> s)
        .recover(err -> s.close().transform(ar -> Future.failedFuture(err)));
  }

  static Future<Void> addColumnIfMissing(Pool pool, String table, String column, String type) {
    return pool.query("SELECT name FROM pragma_table_info('" + table + "') WHERE name = '" + column + "'").execute()
        .compose(rows -> rows.size() > 0 ? Future.succeededFuture()
            : pool.query("ALTER TABLE " + table + " ADD COLUMN " + column + " " + type).execute().mapEmpty());
  }

  /** Keeps {@code cache} current: every committed row, every purge. */
  public void cacheRows(RowCache cache) {
    commits.cacheRows(cache);
  }

  public StorageStats stats() {
    return commits.stats();
  }

  @Override
  public Future<long[]> write(List<Versioned> rows) {
    return commits.enqueue(new PutRows(rows));
  }

  private long hintCap = Long.MAX_VALUE;

  /** At most this many hints per target (maxHintsPerNode) from now on. */
  public void capHints(long perTarget) {
    hintCap = perTarget;
  }

  /** Stores hints durably, at most the {@link #capHints cap} per target in all; answers how many were kept. */
  public Future<Integer> addHints(List<Hint> list) {
    return addHints(list, hintCap);
  }

  /** Stores hints durably, at most {@code capPerTarget} per target in all; answers how many were kept. */
  public Future<Integer> addHints(List<Hint> list, long capPerTarget) {
    return hints.add(list, capPerTarget);
  }

  /** Deletes hints the target acknowledged. */
  public Future<Void> dropHints(String target, List<Long> ids) {
    return hints.drop(target, ids);
  }

  /** Oldest hints first, for one target. */
  public Future<List<Hint>> hintsFor(String target, int limit) {
    return hints.hintsFor(target, limit);
  }

  /** Pending hints per target (kept in memory, exact after every commit). */
  public Map<String, Long> hintCounts() {
    return hints.counts();
  }

  /**
   * Deletes tombstones with a version below {@code olderThanVersion} and values that expired
   * before {@code expiredBeforeMs}; answers how many.
   */
  public Future<Integer> purgeTombstones(long olderThanVersion, long expiredBeforeMs) {
    return commits.enqueue(Purge.pastGrace(olderThanVersion, expiredBeforeMs));
  }

  /** One acceptor step of compare-and-set on this replica, durable before it answers. */
  public Future<kvstore.paxos.PaxosAnswer> paxos(kvstore.paxos.PaxosCall call) {
    return paxos(List.of(call)).map(answers -> answers.get(0));
  }

  /** Acceptor steps of compare-and-set, in order, committed in one group; one answer per step. */
  public Future<List<kvstore.paxos.PaxosAnswer>> paxos(List<kvstore.paxos.PaxosCall> calls) {
    return commits.enqueue(new PaxosStep(calls, paxosStates));
  }

  /** Deletes settled Paxos state older than {@code beforeMicros} (a version-like time); answers how many keys. */
  public Future<Integer> prunePaxos(long beforeMicros) {
    return commits.enqueue(PaxosStep.prune(beforeMicros, paxosStates));
  }

  /** Deletes the rows of these keys for good (not a tombstone: cleanup of rows this node no longer replicates); answers how many. */
  public Future<Integer> forget(List<String> keys) {
    return keys.isEmpty() ? Future.succeededFuture(0) : commits.enqueue(Purge.keys(keys));
  }

  /**
   * Builds {@code fresh} from storage in pages that queue behind client writes, so a build never
   * holds the writer for long; installs it first, so writes behind the scan count from the start.
   * Completes with the rows scanned, or fails when a newer build replaced this one. A page that
   * fails (it commits with the writes queued beside it, so a full disk fails it too) is tried
   * again every {@code retryMs}, {@code stalled} told the first time: a build left stopped would
   * keep this node out of anti-entropy until its next restart.
   */
  public Future<Long> rebuildTrees(RowHashIndex fresh, int pageRows, long retryMs, Consumer<RowHashIndex> progress, Consumer<Throwable> stalled) {
    trees.set(fresh);
    Promise<Long> done = Promise.promise();
    scanNext(new TreeBuild(fresh, pageRows, retryMs, progress, stalled, done));
    return done.future();
  }

  private record TreeBuild(RowHashIndex fresh, int pageRows, long retryMs, Consumer<RowHashIndex> progress, Consumer<Throwable> stalled,
                           Promise<Long> done) {
  }

  private void scanNext(TreeBuild b) {
    RowHashIndex fresh = b.fresh();
    int pageRows = b.pageRows();
    Promise<Long> done = b.done();
    if (trees.get() != fresh) {
      done.fail("superseded by a newer ring's build");
      return;
    }
    commits.enqueue(new TreeScanPage(fresh, pageRows)).onComplete(ar -> {
      if (ar.failed()) {
        if (b.stalled() != null) {
          b.stalled().accept(ar.cause());
        }
        vertx.setTimer(b.retryMs(), t -> scanNext(new TreeBuild(fresh, pageRows, b.retryMs(), b.progress(), null, done)));
      } else if (ar.result() < pageRows) {
        fresh.markReady();
        done.complete(fresh.rowsScanned());
      } else {
        b.progress().accept(fresh);
        // a timer, not a loop: client writes queued meanwhile commit before the next page
        vertx.setTimer(1, t -> scanNext(b));
      }
    });
  }

  @Override
  public Future<Versioned> read(String key) {
    return readers.read(key);
  }

  @Override
  public Future<List<Versioned>> chunk(int chunkId) {
    return readers.chunk(chunkId);
  }

  @Override
  public Future<List<Versioned>> scan(TokenScan scan) {
    return readers.scan(scan);
  }

  @Override
  public Future<List<Versioned>> tokenRanges(List<long[]> ranges) {
    return readers.tokenRanges(ranges);
  }

  /** Number of rows (live and tombstones). */
  public Future<Long> count() {
    return readers.count();
  }

  /** Waits for queued writes to commit, then closes both pools. */
  public Future<Void> close() {
    if (!commits.idle()) {
      Promise<Void> p = Promise.promise();
      vertx.setTimer(5, t -> close().onComplete(p));
      return p.future();
    }
    return Future.join(writer.close(), readers.close()).mapEmpty();
  }
}
