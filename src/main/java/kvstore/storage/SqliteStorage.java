package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import kvstore.repair.RangeTrees;
import kvstore.repair.RowHash;
import kvstore.ring.Chunks;
import kvstore.ring.Ring;
import kvstore.version.Versioned;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * SQLite in WAL mode through the Vert.x JDBC client (its calls run on the worker pool).
 *
 * <p>Writes go through ONE writer connection: with several writers SQLite answers SQLITE_BUSY to a
 * large share of transactions, with one it never does. Writes that arrive while a commit is in
 * flight queue up and are committed together in the next transaction (group commit), so the fsync
 * cost is shared by the whole batch. Reads use a separate pool; WAL lets them run beside the writer.
 *
 * <p>Not thread-safe: use it from one Vert.x context (the storage verticle's).
 */
public final class SqliteStorage implements Storage {
  // The writer reads the stored rows of a batch first (it needs them for the Merkle trees' deltas)
  // and writes only winners; the guard in SQL repeats Versioned.compare (version, then tombstone,
  // then value bytes) so that the table can never move backwards whatever the Java side decided.
  private static final String UPSERT_HEAD = "INSERT INTO kv(key, value, version, tombstone, chunk, token) VALUES ";
  private static final String UPSERT_TAIL = " ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version, tombstone = excluded.tombstone "
          + "WHERE excluded.version > kv.version "
          + "OR (excluded.version = kv.version AND (excluded.tombstone > kv.tombstone "
          + "OR (excluded.tombstone = kv.tombstone AND excluded.value > kv.value)))";

  private static final String INSERT_HINT =
      "INSERT INTO hints(target, key, value, version, tombstone, created_at) VALUES (?, ?, ?, ?, ?, ?)";

  private final Vertx vertx;
  private final Pool writer;
  private final SqliteReader readers;
  private final int batchMax;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final Map<String, Long> hintCounts = new HashMap<>();
  private boolean committing;
  private final StorageStats stats = new StorageStats();
  private final AtomicReference<RangeTrees> trees;
  private RowCache cache = new RowCache(0);

  /** One queued change; all queued changes of a round commit in one transaction. */
  private sealed interface Op permits PutRows, AddHints, DropHints, PurgeTombstones, ScanPage {
    int size();
  }

  private record PutRows(List<Versioned> rows) implements Op {
    public int size() {
      return rows.size();
    }
  }

  private record AddHints(List<Hint> hints, long capPerTarget) implements Op {
    public int size() {
      return hints.size();
    }
  }

  private record DropHints(List<Long> ids, String target) implements Op {
    public int size() {
      return ids.size();
    }
  }

  private record PurgeTombstones(long olderThanVersion) implements Op {
    public int size() {
      return 1;
    }
  }

  /** One page of a Merkle-tree build: the rows after the trees' cursor, in (token, key) order. */
  private record ScanPage(RangeTrees trees, int limit) implements Op {
    public int size() {
      return 1;
    }
  }

  private record Pending(Op op, Promise<Object> done) {
  }

  private SqliteStorage(Vertx vertx, Pool writer, Path dataDir, String synchronous, int batchMax, AtomicReference<RangeTrees> trees) {
    this.vertx = vertx;
    this.trees = trees;
    this.writer = writer;
    this.batchMax = batchMax;
    // the pool connects on first use, after open() has created the schema
    this.readers = new SqliteReader(vertx, dataDir, synchronous, 1);
  }

  /** PRAGMAs in the URL reach every pooled connection; one run through a pool reaches only one connection. */
  static String url(Path dataDir, String synchronous) {
    return "jdbc:sqlite:" + dataDir.resolve("kv.db").toAbsolutePath()
        + "?journal_mode=WAL&synchronous=" + synchronous + "&busy_timeout=10000";
  }

  public static Future<SqliteStorage> open(Vertx vertx, Path dataDir, String synchronous, int batchMax) {
    return open(vertx, dataDir, synchronous, batchMax, new AtomicReference<>(), msg -> { });
  }

  /**
   * Opens (creating or upgrading) the store. {@code trees} receives the Merkle trees a
   * {@link #rebuildTrees} builds, kept current by every write from then on; {@code progress}
   * hears about long startup work (a schema upgrade).
   */
  public static Future<SqliteStorage> open(Vertx vertx, Path dataDir, String synchronous, int batchMax,
                                           AtomicReference<RangeTrees> trees, Consumer<String> progress) {
    Pool writer = JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url(dataDir, synchronous)), new PoolOptions().setMaxSize(1).setName("kv-writer"));
    SqliteStorage s = new SqliteStorage(vertx, writer, dataDir, synchronous, batchMax, trees);
    return writer.query("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, "
            + "version INTEGER NOT NULL, tombstone INTEGER NOT NULL, chunk INTEGER NOT NULL, token INTEGER)").execute()
        .compose(r -> writer.query("CREATE INDEX IF NOT EXISTS kv_chunk ON kv(chunk, key)").execute())
        .compose(r -> TokenColumn.ensure(writer, progress))
        .compose(r -> writer.query("CREATE TABLE IF NOT EXISTS hints (id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, "
            + "key TEXT NOT NULL, value BLOB NOT NULL, version INTEGER NOT NULL, tombstone INTEGER NOT NULL, created_at INTEGER NOT NULL)").execute())
        .compose(r -> writer.query("CREATE INDEX IF NOT EXISTS hints_target ON hints(target, id)").execute())
        .compose(r -> writer.query("SELECT target, count(*) FROM hints GROUP BY target").execute())
        .map(rows -> {
          for (Row row : rows) {
            s.hintCounts.put(row.getString(0), row.getLong(1));
          }
          return s;
        })

        .recover(err -> s.close().transform(ar -> Future.failedFuture(err)));
  }

  /** Keeps {@code cache} current: every committed row, every purge. */
  public void cacheRows(RowCache cache) {
    this.cache = cache;
  }

  public StorageStats stats() {
    return stats;
  }

  @SuppressWarnings("unchecked")
  private <T> Future<T> enqueue(Op op) {
    Promise<Object> p = Promise.promise();
    queue.add(new Pending(op, p));
    commitNext();
    return (Future<T>) p.future();
  }

  @Override
  public Future<long[]> write(List<Versioned> rows) {
    return enqueue(new PutRows(rows));
  }

  /** Stores hints durably, at most {@code capPerTarget} per target in all; answers how many were kept. */
  public Future<Integer> addHints(List<Hint> hints, long capPerTarget) {
    return enqueue(new AddHints(hints, capPerTarget));
  }

  /** Deletes hints the target acknowledged. */
  public Future<Void> dropHints(String target, List<Long> ids) {
    return enqueue(new DropHints(ids, target));
  }

  /** Deletes tombstones with a version below {@code olderThanVersion}; answers how many. */
  public Future<Integer> purgeTombstones(long olderThanVersion) {
    return enqueue(new PurgeTombstones(olderThanVersion));
  }

  /** Oldest hints first, for one target. */
  public Future<List<Hint>> hintsFor(String target, int limit) {
    return readers.hintsFor(target, limit);
  }

  /** Pending hints per target (kept in memory, exact after every commit). */
  public Map<String, Long> hintCounts() {
    Map<String, Long> out = new HashMap<>();
    hintCounts.forEach((t, n) -> {
      if (n > 0) {
        out.put(t, n);
      }
    });
    return out;
  }

  private void commitNext() {
    if (committing || queue.isEmpty()) {
      return;
    }
    committing = true;
    List<Pending> batch = new ArrayList<>();
    int size = 0;
    while (!queue.isEmpty() && (batch.isEmpty() || size + queue.peek().op().size() <= batchMax)) {
      Pending p = queue.poll();
      batch.add(p);
      size += p.op().size();
    }
    Set<String> keys = new LinkedHashSet<>();
    List<Tuple> hintInserts = new ArrayList<>();
    List<Tuple> hintDeletes = new ArrayList<>();
    Map<String, Long> hintDelta = new HashMap<>();
    Map<Pending, Integer> hintsKept = new HashMap<>();
    List<Pending> purges = new ArrayList<>();
    List<Pending> scans = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Pending p : batch) {
      if (p.op() instanceof PutRows put) {
        for (Versioned v : put.rows()) {
          keys.add(v.key());
        }
      } else if (p.op() instanceof AddHints add) {
        int kept = 0;
        for (Hint h : add.hints()) {
          long count = hintCounts.getOrDefault(h.target(), 0L) + hintDelta.getOrDefault(h.target(), 0L);
          if (count >= add.capPerTarget()) {
            continue;
          }
          Versioned v = h.row();
          hintInserts.add(Tuple.of(h.target(), v.key(), v.value(), v.version(), v.tombstone() ? 1 : 0, now));
          hintDelta.merge(h.target(), 1L, Long::sum);
          kept++;
        }
        hintsKept.put(p, kept);
      } else if (p.op() instanceof DropHints drop) {
        for (long id : drop.ids()) {
          hintDeletes.add(Tuple.of(id));
        }
      } else if (p.op() instanceof PurgeTombstones) {
        purges.add(p);
      } else {
        scans.add(p);
      }
    }
    long started = System.nanoTime();
    Map<String, Versioned> before = new HashMap<>();
    Map<String, Versioned> after = new HashMap<>();
    Map<Pending, List<Versioned>> purged = new HashMap<>();
    Map<Pending, List<Row>> scanned = new HashMap<>();
    int[] rowCount = {0};
    // One transaction per group, so the group shares one fsync. (Leaving single-statement groups
    // in autocommit was tried: no measurable gain, and after a transaction the JDBC connection
    // stays out of autocommit, so such writes were never committed - SqliteStorageTest caught it.)
    writer.withTransaction(conn -> {
      Future<?> f = Future.succeededFuture();
      if (!keys.isEmpty()) {
        f = f.compose(v -> conn.preparedQuery(selectRows(keys.size())).execute(Tuple.wrap(new ArrayList<>(keys))))
            .compose(rows -> {
              for (Row r : rows) {
                before.put(r.getString(0), rowOf(r));
              }
              List<Versioned> winners = winners(batch, before, after);
              rowCount[0] = winners.size();
              Future<?> up = Future.succeededFuture();
              for (int i = 0; i < winners.size(); i += ROWS_PER_UPSERT) {
                List<Versioned> part = winners.subList(i, Math.min(winners.size(), i + ROWS_PER_UPSERT));
                up = up.compose(v -> conn.preparedQuery(upsert(part.size())).execute(upsertParams(part)));
              }
              return up;
            });
      }
      if (!hintInserts.isEmpty()) {
        f = f.compose(v -> conn.preparedQuery(INSERT_HINT).executeBatch(hintInserts));
      }
      if (!hintDeletes.isEmpty()) {
        f = f.compose(v -> conn.preparedQuery("DELETE FROM hints WHERE id = ?").executeBatch(hintDeletes));
      }
      for (Pending p : purges) {
        Tuple below = Tuple.of(((PurgeTombstones) p.op()).olderThanVersion());
        // read what goes first: the Merkle trees must subtract exactly the rows deleted
        f = f.compose(v -> conn.preparedQuery("SELECT key, value, version, tombstone FROM kv WHERE tombstone = 1 AND version < ?").execute(below))
            .compose(rows -> {
              List<Versioned> gone = new ArrayList<>(rows.size());
              rows.forEach(r -> gone.add(rowOf(r)));
              purged.put(p, gone);
              return conn.preparedQuery("DELETE FROM kv WHERE tombstone = 1 AND version < ?").execute(below);
            });
      }
      for (Pending p : scans) {
        ScanPage page = (ScanPage) p.op();
        RangeTrees.Cursor c = page.trees().cursor();
        f = f.compose(v -> c == null
            ? conn.preparedQuery("SELECT key, value, version, tombstone, token FROM kv ORDER BY token, key LIMIT ?").execute(Tuple.of(page.limit()))
            : conn.preparedQuery("SELECT key, value, version, tombstone, token FROM kv WHERE (token, key) > (?, ?) ORDER BY token, key LIMIT ?")
                .execute(Tuple.of(c.token(), c.key(), page.limit())))
            .map(rows -> {
              List<Row> list = new ArrayList<>(rows.size());
              rows.forEach(list::add);
              return scanned.put(p, list);
            });
      }
      return f.mapEmpty();
    }).onComplete(ar -> {
      committing = false;
      if (ar.succeeded()) {
        stats.recordCommit(rowCount[0], System.nanoTime() - started);
        hintDelta.forEach((t, n) -> hintCounts.merge(t, n, Long::sum));
        updateTrees(before, after, purged, scanned);
        after.forEach(cache::written);
        purged.values().forEach(rows -> rows.forEach(r -> cache.written(r.key(), null)));
        for (Pending p : batch) {
          if (p.op() instanceof PutRows put) {
            long[] out = new long[put.rows().size()];
            for (int i = 0; i < out.length; i++) {
              Versioned stored = after.getOrDefault(put.rows().get(i).key(), before.get(put.rows().get(i).key()));
              out[i] = stored == null ? Long.MIN_VALUE : stored.version();
            }
            p.done().complete(out);
          } else if (p.op() instanceof AddHints) {
            p.done().complete(hintsKept.get(p));
          } else if (p.op() instanceof DropHints drop) {
            hintCounts.merge(drop.target(), -(long) drop.ids().size(), Long::sum);
            p.done().complete(null);
          } else if (p.op() instanceof PurgeTombstones) {
            p.done().complete(purged.get(p).size());
          } else {
            p.done().complete(scanned.get(p).size());
          }
        }
      } else {
        stats.recordFailure();
        for (Pending p : batch) {
          p.done().fail(ar.cause());
        }
      }
      commitNext();
    });
  }

  /** Rows per multi-row upsert: 6 parameters each, well inside SQLite's 32766-parameter limit. */
  private static final int ROWS_PER_UPSERT = 500;
  private final Map<Integer, String> upsertSql = new HashMap<>();

  private String upsert(int rows) {
    return upsertSql.computeIfAbsent(rows, n -> {
      StringBuilder sb = new StringBuilder(UPSERT_HEAD);
      for (int i = 0; i < n; i++) {
        sb.append(i == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)");
      }
      return sb.append(UPSERT_TAIL).toString();
    });
  }

  private static Tuple upsertParams(List<Versioned> rows) {
    List<Object> params = new ArrayList<>(rows.size() * 6);
    for (Versioned v : rows) {
      // byte[], not Buffer: sqlite-jdbc rejects Vert.x Buffers as parameters
      params.add(v.key());
      params.add(v.value());
      params.add(v.version());
      params.add(v.tombstone() ? 1 : 0);
      long token = Ring.token(v.key());
      params.add(Chunks.ofToken(token));
      params.add(token);
    }
    return Tuple.wrap(params);
  }

  /**
   * Applies the batch's rows in order to what is stored, last write winning, and answers the
   * upserts for the keys whose row changed: one per key however often the batch wrote it.
   */
  private static List<Versioned> winners(List<Pending> batch, Map<String, Versioned> before, Map<String, Versioned> after) {
    for (Pending p : batch) {
      if (p.op() instanceof PutRows put) {
        for (Versioned v : put.rows()) {
          Versioned current = after.containsKey(v.key()) ? after.get(v.key()) : before.get(v.key());
          if (v.newerThan(current)) {
            after.put(v.key(), v);
          }
        }
      }
    }
    return new ArrayList<>(after.values());
  }

  /** Deltas of the committed writes and purges first, then the scan pages: see {@link RangeTrees}. */
  private void updateTrees(Map<String, Versioned> before, Map<String, Versioned> after,
                           Map<Pending, List<Versioned>> purged, Map<Pending, List<Row>> scanned) {
    RangeTrees t = trees.get();
    if (t != null) {
      after.forEach((key, v) -> t.apply(Ring.token(key), key, RowHash.of(before.get(key)), RowHash.of(v)));
      purged.values().forEach(rows -> rows.forEach(r -> t.apply(Ring.token(r.key()), r.key(), RowHash.of(r), 0)));
    }
    scanned.forEach((p, rows) -> {
      RangeTrees target = ((ScanPage) p.op()).trees();
      for (Row r : rows) {
        target.addScanned(r.getLong(4), r.getString(0), RowHash.of(rowOf(r)));
      }
    });
  }

  private static Versioned rowOf(Row r) {
    return new Versioned(r.getString(0), SqliteReader.bytes(r.getValue(1)), r.getLong(2), r.getInteger(3) != 0);
  }

  private static String selectRows(int n) {
    StringBuilder sb = new StringBuilder("SELECT key, value, version, tombstone FROM kv WHERE key IN (");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "?" : ",?");
    }
    return sb.append(')').toString();
  }

  /**
   * Builds {@code fresh} from storage in pages that queue behind client writes, so a build never
   * holds the writer for long; installs it first, so writes behind the scan count from the start.
   * Completes with the rows scanned, or fails when a newer build replaced this one.
   */
  public Future<Long> rebuildTrees(RangeTrees fresh, int pageRows, Consumer<RangeTrees> progress) {
    trees.set(fresh);
    Promise<Long> done = Promise.promise();
    scanNext(fresh, pageRows, progress, done);
    return done.future();
  }

  private void scanNext(RangeTrees fresh, int pageRows, Consumer<RangeTrees> progress, Promise<Long> done) {
    if (trees.get() != fresh) {
      done.fail("superseded by a newer ring's build");
      return;
    }
    this.<Integer>enqueue(new ScanPage(fresh, pageRows)).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else if (ar.result() < pageRows) {
        fresh.markReady();
        done.complete(fresh.rowsScanned());
      } else {
        progress.accept(fresh);
        // a timer, not a loop: client writes queued meanwhile commit before the next page
        vertx.setTimer(1, t -> scanNext(fresh, pageRows, progress, done));
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
  public Future<List<Versioned>> tokenRanges(List<long[]> ranges) {
    return readers.tokenRanges(ranges);
  }

  /** Number of rows (live and tombstones). */
  public Future<Long> count() {
    return readers.count();
  }

  /** Waits for queued writes to commit, then closes both pools. */
  public Future<Void> close() {
    if (committing || !queue.isEmpty()) {
      Promise<Void> p = Promise.promise();
      vertx.setTimer(5, t -> close().onComplete(p));
      return p.future();
    }
    return Future.join(writer.close(), readers.close()).mapEmpty();
  }
}
