package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import kvstore.ring.Chunks;
import kvstore.ring.Ring;
import kvstore.version.Versioned;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

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
  // The guard repeats Versioned.compare (version, then tombstone, then value bytes), so a write
  // changes a row only when it is newer: no read before the write, and no way backwards.
  private static final String UPSERT_HEAD = "INSERT INTO kv(key, value, version, tombstone, chunk, token, hash) VALUES ";
  // SET sees the old row, so `replaced` keeps the hash of the row this write replaces, and
  // RETURNING hands it back: the Merkle delta of a write without reading the row first.
  // RETURNING lists only the rows inserted or updated, i.e. the winners.
  private static final String UPSERT_TAIL = " ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version, "
          + "tombstone = excluded.tombstone, hash = excluded.hash, replaced = kv.hash "
          + "WHERE excluded.version > kv.version "
          + "OR (excluded.version = kv.version AND (excluded.tombstone > kv.tombstone "
          + "OR (excluded.tombstone = kv.tombstone AND excluded.value > kv.value))) RETURNING key, replaced";

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
  private final AtomicReference<RowHashIndex> trees;
  private RowCache cache = new RowCache(0);

  /** One queued change; all queued changes of a round commit in one transaction. */
  private sealed interface Op permits PutRows, AddHints, DropHints, Purge, ScanPage {
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

  /** Rows deleted for good (old tombstones, rows this node no longer replicates): {@code DELETE FROM kv WHERE <where>}. */
  private record Purge(String where, Tuple params) implements Op {
    public int size() {
      return 1;
    }
  }

  /** One page of a Merkle-tree build: the rows after the trees' cursor, in (token, key) order. */
  private record ScanPage(RowHashIndex trees, int limit) implements Op {
    public int size() {
      return 1;
    }
  }

  private record Pending(Op op, Promise<Object> done) {
  }

  private SqliteStorage(Vertx vertx, Pool writer, Path dataDir, String synchronous, int batchMax, AtomicReference<RowHashIndex> trees) {
    this.vertx = vertx;
    this.trees = trees;
    this.writer = writer;
    this.batchMax = batchMax;
    // the pool connects on first use, after open() has created the schema
    this.readers = new SqliteReader(vertx, dataDir, synchronous, 1);
  }

  /** SQLite checkpoints in the committing connection past this many WAL pages (its default is 1000); see {@link WalCheckpointVerticle}. */
  static final int WAL_AUTOCHECKPOINT_PAGES = 20_000;

  /** PRAGMAs in the URL reach every pooled connection; one run through a pool reaches only one connection. */
  static String url(Path dataDir, String synchronous) {
    return "jdbc:sqlite:" + dataDir.resolve("kv.db").toAbsolutePath()
        + "?journal_mode=WAL&synchronous=" + synchronous + "&busy_timeout=10000&wal_autocheckpoint=" + WAL_AUTOCHECKPOINT_PAGES;
  }

  public static Future<SqliteStorage> open(Vertx vertx, Path dataDir, String synchronous, int batchMax) {
    return open(vertx, dataDir, synchronous, batchMax, new AtomicReference<>());
  }

  /**
   * Opens (creating) the store. {@code trees} receives the index a {@link #rebuildTrees} builds,
   * kept current by every write from then on. Each row carries its ring token and its
   * {@link RowHash}, computed in Java (SQLite has neither Murmur3 nor our row hash), so anti-entropy
   * reads a leaf's rows with an index range scan.
   */
  public static Future<SqliteStorage> open(Vertx vertx, Path dataDir, String synchronous, int batchMax,
                                           AtomicReference<RowHashIndex> trees) {
    Pool writer = SqliteValues.pool(vertx, url(dataDir, synchronous), 1, "kv-writer");
    SqliteStorage s = new SqliteStorage(vertx, writer, dataDir, synchronous, batchMax, trees);
    return writer.query("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, "
            + "version INTEGER NOT NULL, tombstone INTEGER NOT NULL, chunk INTEGER NOT NULL, token INTEGER, hash INTEGER, replaced INTEGER)").execute()
        .compose(r -> writer.query("CREATE INDEX IF NOT EXISTS kv_chunk ON kv(chunk, key)").execute())
        .compose(r -> writer.query("CREATE INDEX IF NOT EXISTS kv_token ON kv(token, key)").execute())
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
    return enqueue(new Purge("tombstone = 1 AND version < ?", Tuple.of(olderThanVersion)));
  }

  /** Deletes the rows of these keys for good (not a tombstone: cleanup of rows this node no longer replicates); answers how many. */
  public Future<Integer> forget(List<String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return enqueue(new Purge("key IN " + SqliteReader.placeholders(keys.size()), Tuple.wrap(new ArrayList<Object>(keys))));
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
    Group g = new Group(batch);
    long started = System.nanoTime();
    g.run().onComplete(ar -> {
      committing = false;
      if (ar.succeeded()) {
        stats.recordCommit(g.applied.size(), System.nanoTime() - started);
        g.hintDelta.forEach((t, n) -> hintCounts.merge(t, n, Long::sum));
        updateTrees(g);
        g.applied.keySet().forEach(cache::invalidate);
        g.purged.values().forEach(rows -> rows.forEach(r -> cache.invalidate(r.getString(0))));
        g.complete();
      } else {
        stats.recordFailure();
        for (Pending p : batch) {
          p.done().fail(ar.cause());
        }
      }
      commitNext();
    });
  }

  /** A row to write with what is derived from it once: its ring token and its Merkle row hash. */
  private record RowWrite(Versioned row, long token, long hash) {
    static RowWrite of(Versioned row) {
      return new RowWrite(row, Ring.token(row.key()), RowHash.of(row));
    }
  }

  /** A step of a group: one statement, or one JDBC batch of a statement, on the writer. */
  private interface Step extends Function<SqlClient, Future<?>> {
  }

  /**
   * One group commit: the queued ops' statements, run as one transaction - or, when the group is
   * a single statement (the usual case under load: one multi-row upsert), alone in autocommit,
   * which is just as atomic and saves three worker hand-offs of BEGIN, COMMIT and a pool round.
   */
  private final class Group {
    final List<Pending> batch;
    /** Per key, the newest row the group writes: only it can change what is stored. */
    final Map<String, RowWrite> newest = new LinkedHashMap<>();
    /** Keys whose row the upserts changed, with the hash of the row each replaced (0: none). */
    final Map<String, Long> applied = new HashMap<>();
    /** Stored versions of keys whose rows all lost to what was stored. */
    final Map<String, Long> storedVersions = new HashMap<>();
    final Map<String, Long> hintDelta = new HashMap<>();
    final Map<Pending, Integer> hintsKept = new HashMap<>();
    final Map<Pending, List<Row>> purged = new HashMap<>();
    final Map<Pending, List<Row>> scanned = new HashMap<>();
    final List<Step> steps = new ArrayList<>();
    boolean batched;

    Group(List<Pending> batch) {
      this.batch = batch;
      List<Tuple> hintInserts = new ArrayList<>();
      List<Tuple> hintDeletes = new ArrayList<>();
      long now = System.currentTimeMillis();
      for (Pending p : batch) {
        if (p.op() instanceof PutRows put) {
          for (Versioned v : put.rows()) {
            RowWrite current = newest.get(v.key());
            if (current == null || v.newerThan(current.row())) {
              newest.put(v.key(), RowWrite.of(v));
            }
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
        } else if (p.op() instanceof Purge purge) {
          // RETURNING: the Merkle trees must subtract exactly the rows deleted
          steps.add(c -> c.preparedQuery("DELETE FROM kv WHERE " + purge.where() + " RETURNING key, token, hash")
              .execute(purge.params()).map(rows -> purged.put(p, list(rows))));
        } else {
          ScanPage page = (ScanPage) p.op();
          RowHashIndex.ScanPosition cur = page.trees().position();
          steps.add(c -> (cur == null
              ? c.preparedQuery("SELECT key, token, hash FROM kv ORDER BY token, key LIMIT ?").execute(Tuple.of(page.limit()))
              : c.preparedQuery("SELECT key, token, hash FROM kv WHERE (token, key) > (?, ?) ORDER BY token, key LIMIT ?")
                  .execute(Tuple.of(cur.token(), cur.key(), page.limit())))
              .map(rows -> scanned.put(p, list(rows))));
        }
      }
      // the writes first, so a scan page in the same group reads what they stored
      List<RowWrite> rows = new ArrayList<>(newest.values());
      for (int i = 0; i < rows.size(); i += ROWS_PER_UPSERT) {
        List<RowWrite> part = rows.subList(i, Math.min(rows.size(), i + ROWS_PER_UPSERT));
        steps.add(i / ROWS_PER_UPSERT, c -> c.preparedQuery(upsert(part.size())).execute(upsertParams(part)).map(changed -> {
          for (Row r : changed) {
            Long replaced = r.getLong(1);
            applied.put(r.getString(0), replaced == null ? 0L : replaced);
          }
          return null;
        }));
      }
      if (!hintInserts.isEmpty()) {
        batched = true;
        steps.add(c -> c.preparedQuery(INSERT_HINT).executeBatch(hintInserts));
      }
      if (!hintDeletes.isEmpty()) {
        batched = true;
        steps.add(c -> c.preparedQuery("DELETE FROM hints WHERE id = ?").executeBatch(hintDeletes));
      }
    }

    Future<?> run() {
      Future<?> stored = steps.size() == 1 && !batched
          ? steps.get(0).apply(writer)
          : SqlTransaction.run(writer, conn -> {
              Future<?> f = Future.succeededFuture();
              for (Step step : steps) {
                f = f.compose(v -> step.apply(conn));
              }
              return f;
            });
      return stored.compose(v -> readLosers());
    }

    /** Rows that lost to what was stored answer with its version (the coordinator re-stamps on it). */
    private Future<?> readLosers() {
      List<Object> lost = new ArrayList<>();
      for (String key : newest.keySet()) {
        if (!applied.containsKey(key)) {
          lost.add(key);
        }
      }
      if (lost.isEmpty()) {
        return Future.succeededFuture();
      }
      // only this writer changes rows, and it is still busy with this group: they are as committed
      return writer.preparedQuery(selectVersions(lost.size())).execute(Tuple.wrap(lost)).map(rows -> {
        rows.forEach(r -> storedVersions.put(r.getString(0), r.getLong(1)));
        return null;
      });
    }

    void complete() {
      for (Pending p : batch) {
        if (p.op() instanceof PutRows put) {
          long[] out = new long[put.rows().size()];
          for (int i = 0; i < out.length; i++) {
            String key = put.rows().get(i).key();
            out[i] = applied.containsKey(key) ? newest.get(key).row().version() : storedVersions.getOrDefault(key, Long.MIN_VALUE);
          }
          p.done().complete(out);
        } else if (p.op() instanceof AddHints) {
          p.done().complete(hintsKept.get(p));
        } else if (p.op() instanceof DropHints drop) {
          hintCounts.merge(drop.target(), -(long) drop.ids().size(), Long::sum);
          p.done().complete(null);
        } else if (p.op() instanceof Purge) {
          p.done().complete(purged.get(p).size());
        } else {
          p.done().complete(scanned.get(p).size());
        }
      }
    }
  }

  private static List<Row> list(RowSet<Row> rows) {
    List<Row> out = new ArrayList<>(rows.size());
    rows.forEach(out::add);
    return out;
  }

  /** Rows per multi-row upsert: 7 parameters each, inside SQLite's 32766-parameter limit. */
  static final int ROWS_PER_UPSERT = 4000;
  private final Map<Integer, String> upsertSql = new HashMap<>();

  /** Statements are kept for group sizes up to this; larger (rare) ones are built each time, so the cache stays ~3 MB. */
  private static final int CACHED_UPSERT_ROWS = 512;

  private String upsert(int rows) {
    return rows <= CACHED_UPSERT_ROWS ? upsertSql.computeIfAbsent(rows, SqliteStorage::buildUpsert) : buildUpsert(rows);
  }

  private static String buildUpsert(int rows) {
    StringBuilder sb = new StringBuilder(UPSERT_HEAD);
    for (int i = 0; i < rows; i++) {
      sb.append(i == 0 ? "(?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?)");
    }
    return sb.append(UPSERT_TAIL).toString();
  }

  private static Tuple upsertParams(List<RowWrite> rows) {
    List<Object> params = new ArrayList<>(rows.size() * 7);
    for (RowWrite w : rows) {
      Versioned v = w.row();
      // byte[], not Buffer: sqlite-jdbc rejects Vert.x Buffers as parameters
      params.add(v.key());
      params.add(v.value());
      params.add(v.version());
      params.add(v.tombstone() ? 1 : 0);
      params.add(Chunks.ofToken(w.token()));
      params.add(w.token());
      params.add(w.hash());
    }
    return Tuple.wrap(params);
  }

  /** Deltas of the committed writes and purges first, then the scan pages: see {@link RowHashIndex}. */
  private void updateTrees(Group g) {
    RowHashIndex t = trees.get();
    if (t != null) {
      g.applied.forEach((key, replaced) -> {
        RowWrite w = g.newest.get(key);
        t.apply(w.token(), key, replaced, w.hash());
      });
      g.purged.values().forEach(rows -> rows.forEach(r -> t.apply(r.getLong(1), r.getString(0), r.getLong(2), 0)));
    }
    g.scanned.forEach((p, rows) -> {
      RowHashIndex target = ((ScanPage) p.op()).trees();
      for (Row r : rows) {
        target.addScanned(r.getLong(1), r.getString(0), r.getLong(2));
      }
    });
  }

  private static String selectVersions(int n) {
    return "SELECT key, version FROM kv WHERE key IN " + SqliteReader.placeholders(n);
  }

  /**
   * Builds {@code fresh} from storage in pages that queue behind client writes, so a build never
   * holds the writer for long; installs it first, so writes behind the scan count from the start.
   * Completes with the rows scanned, or fails when a newer build replaced this one.
   */
  public Future<Long> rebuildTrees(RowHashIndex fresh, int pageRows, Consumer<RowHashIndex> progress) {
    trees.set(fresh);
    Promise<Long> done = Promise.promise();
    scanNext(fresh, pageRows, progress, done);
    return done.future();
  }

  private void scanNext(RowHashIndex fresh, int pageRows, Consumer<RowHashIndex> progress, Promise<Long> done) {
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
    if (committing || !queue.isEmpty()) {
      Promise<Void> p = Promise.promise();
      vertx.setTimer(5, t -> close().onComplete(p));
      return p.future();
    }
    return Future.join(writer.close(), readers.close()).mapEmpty();
  }
}
