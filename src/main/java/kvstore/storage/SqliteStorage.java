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
import kvstore.ring.Chunks;
import kvstore.version.Versioned;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
  // The version guard lives in SQL so that no read-then-write race exists: a row replaces the
  // stored one only if it wins by Versioned.compare (version, then tombstone, then value bytes).
  private static final String UPSERT =
      "INSERT INTO kv(key, value, version, tombstone, chunk) VALUES (?, ?, ?, ?, ?) "
          + "ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version, tombstone = excluded.tombstone "
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

  /** One queued change; all queued changes of a round commit in one transaction. */
  private sealed interface Op permits PutRows, AddHints, DropHints, PurgeTombstones {
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

  private record Pending(Op op, Promise<Object> done) {
  }

  private SqliteStorage(Vertx vertx, Pool writer, Path dataDir, String synchronous, int batchMax) {
    this.vertx = vertx;
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
    Pool writer = JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url(dataDir, synchronous)), new PoolOptions().setMaxSize(1).setName("kv-writer"));
    SqliteStorage s = new SqliteStorage(vertx, writer, dataDir, synchronous, batchMax);
    return writer.query("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, "
            + "version INTEGER NOT NULL, tombstone INTEGER NOT NULL, chunk INTEGER NOT NULL)").execute()
        .compose(r -> writer.query("CREATE INDEX IF NOT EXISTS kv_chunk ON kv(chunk, key)").execute())
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
    List<Tuple> upserts = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    List<Tuple> hintInserts = new ArrayList<>();
    List<Tuple> hintDeletes = new ArrayList<>();
    Map<String, Long> hintDelta = new HashMap<>();
    Map<Pending, Integer> hintsKept = new HashMap<>();
    List<Pending> purges = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Pending p : batch) {
      if (p.op() instanceof PutRows put) {
        for (Versioned v : put.rows()) {
          // byte[], not Buffer: sqlite-jdbc rejects Vert.x Buffers as parameters
          upserts.add(Tuple.of(v.key(), v.value(), v.version(), v.tombstone() ? 1 : 0, Chunks.of(v.key())));
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
      } else {
        purges.add(p);
      }
    }
    long started = System.nanoTime();
    int rowCount = upserts.size();
    Map<Pending, Integer> purged = new HashMap<>();
    writer.withTransaction(conn -> {
      Future<?> f = Future.succeededFuture();
      if (!upserts.isEmpty()) {
        f = f.compose(v -> conn.preparedQuery(UPSERT).executeBatch(upserts));
      }
      if (!hintInserts.isEmpty()) {
        f = f.compose(v -> conn.preparedQuery(INSERT_HINT).executeBatch(hintInserts));
      }
      if (!hintDeletes.isEmpty()) {
        f = f.compose(v -> conn.preparedQuery("DELETE FROM hints WHERE id = ?").executeBatch(hintDeletes));
      }
      for (Pending p : purges) {
        long below = ((PurgeTombstones) p.op()).olderThanVersion();
        f = f.compose(v -> conn.preparedQuery("DELETE FROM kv WHERE tombstone = 1 AND version < ?").execute(Tuple.of(below))
            .map(r -> purged.put(p, r.rowCount())));
      }
      if (keys.isEmpty()) {
        return f.map(v -> (io.vertx.sqlclient.RowSet<Row>) null);
      }
      return f.compose(v -> conn.preparedQuery(selectVersions(keys.size())).execute(Tuple.wrap(new ArrayList<>(keys))));
    }).onComplete(ar -> {
      committing = false;
      if (ar.succeeded()) {
        stats.recordCommit(rowCount, System.nanoTime() - started);
        hintDelta.forEach((t, n) -> hintCounts.merge(t, n, Long::sum));
        Map<String, Long> stored = new HashMap<>();
        if (ar.result() != null) {
          for (Row row : ar.result()) {
            stored.put(row.getString(0), row.getLong(1));
          }
        }
        for (Pending p : batch) {
          if (p.op() instanceof PutRows put) {
            long[] out = new long[put.rows().size()];
            for (int i = 0; i < out.length; i++) {
              out[i] = stored.getOrDefault(put.rows().get(i).key(), Long.MIN_VALUE);
            }
            p.done().complete(out);
          } else if (p.op() instanceof AddHints) {
            p.done().complete(hintsKept.get(p));
          } else if (p.op() instanceof DropHints drop) {
            hintCounts.merge(drop.target(), -(long) drop.ids().size(), Long::sum);
            p.done().complete(null);
          } else {
            p.done().complete(purged.getOrDefault(p, 0));
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

  private static String selectVersions(int n) {
    StringBuilder sb = new StringBuilder("SELECT key, version FROM kv WHERE key IN (");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "?" : ",?");
    }
    return sb.append(')').toString();
  }

  @Override
  public Future<Versioned> read(String key) {
    return readers.read(key);
  }

  @Override
  public Future<List<Versioned>> chunk(int chunkId) {
    return readers.chunk(chunkId);
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
