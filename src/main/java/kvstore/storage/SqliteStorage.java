package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

  private final Vertx vertx;
  private final Pool writer;
  private final Pool readers;
  private final int batchMax;
  private final ArrayDeque<PendingWrite> queue = new ArrayDeque<>();
  private boolean committing;
  private final StorageStats stats = new StorageStats();

  private record PendingWrite(List<Versioned> rows, Promise<long[]> done) {
  }

  private SqliteStorage(Vertx vertx, Pool writer, Pool readers, int batchMax) {
    this.vertx = vertx;
    this.writer = writer;
    this.readers = readers;
    this.batchMax = batchMax;
  }

  public static Future<SqliteStorage> open(Vertx vertx, Path dataDir, String synchronous, int batchMax) {
    // PRAGMAs in the URL reach every pooled connection; one run through the pool reaches only one
    String url = "jdbc:sqlite:" + dataDir.resolve("kv.db").toAbsolutePath()
        + "?journal_mode=WAL&synchronous=" + synchronous + "&busy_timeout=10000";
    Pool writer = JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url), new PoolOptions().setMaxSize(1).setName("kv-writer-" + dataDir));
    Pool readers = JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url), new PoolOptions().setMaxSize(2).setName("kv-readers-" + dataDir));
    SqliteStorage s = new SqliteStorage(vertx, writer, readers, batchMax);
    return writer.query("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, "
            + "version INTEGER NOT NULL, tombstone INTEGER NOT NULL, chunk INTEGER NOT NULL)").execute()
        .compose(r -> writer.query("CREATE INDEX IF NOT EXISTS kv_chunk ON kv(chunk, key)").execute())
        .map(r -> s)
        .recover(err -> s.close().transform(ar -> Future.failedFuture(err)));
  }

  public StorageStats stats() {
    return stats;
  }

  @Override
  public Future<long[]> write(List<Versioned> rows) {
    Promise<long[]> p = Promise.promise();
    queue.add(new PendingWrite(rows, p));
    commitNext();
    return p.future();
  }

  private void commitNext() {
    if (committing || queue.isEmpty()) {
      return;
    }
    committing = true;
    List<PendingWrite> batch = new ArrayList<>();
    int rowCount = 0;
    while (!queue.isEmpty() && (batch.isEmpty() || rowCount + queue.peek().rows().size() <= batchMax)) {
      PendingWrite w = queue.poll();
      batch.add(w);
      rowCount += w.rows().size();
    }
    List<Tuple> tuples = new ArrayList<>(rowCount);
    List<String> keys = new ArrayList<>(rowCount);
    for (PendingWrite w : batch) {
      for (Versioned v : w.rows()) {
        // byte[], not Buffer: sqlite-jdbc rejects Vert.x Buffers as parameters
        tuples.add(Tuple.of(v.key(), v.value(), v.version(), v.tombstone() ? 1 : 0, Chunks.of(v.key())));
        keys.add(v.key());
      }
    }
    long started = System.nanoTime();
    int committed = rowCount;
    writer.withTransaction(conn -> conn.preparedQuery(UPSERT).executeBatch(tuples)
            .compose(r -> conn.preparedQuery(selectVersions(keys.size())).execute(Tuple.wrap(new ArrayList<>(keys)))))
        .onComplete(ar -> {
          committing = false;
          if (ar.succeeded()) {
            stats.recordCommit(committed, System.nanoTime() - started);
            Map<String, Long> stored = new HashMap<>();
            for (Row row : ar.result()) {
              stored.put(row.getString(0), row.getLong(1));
            }
            for (PendingWrite w : batch) {
              long[] out = new long[w.rows().size()];
              for (int i = 0; i < out.length; i++) {
                out[i] = stored.getOrDefault(w.rows().get(i).key(), Long.MIN_VALUE);
              }
              w.done().complete(out);
            }
          } else {
            stats.recordFailure();
            for (PendingWrite w : batch) {
              w.done().fail(ar.cause());
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
    return readers.preparedQuery("SELECT value, version, tombstone FROM kv WHERE key = ?").execute(Tuple.of(key))
        .map(rows -> {
          var it = rows.iterator();
          if (!it.hasNext()) {
            return null;
          }
          Row r = it.next();
          return new Versioned(key, bytes(r.getValue(0)), r.getLong(1), r.getInteger(2) != 0);
        });
  }

  @Override
  public Future<List<Versioned>> chunk(int chunkId) {
    return readers.preparedQuery("SELECT key, value, version, tombstone FROM kv WHERE chunk = ? ORDER BY key")
        .execute(Tuple.of(chunkId))
        .map(rows -> {
          List<Versioned> out = new ArrayList<>(rows.size());
          for (Row r : rows) {
            out.add(new Versioned(r.getString(0), bytes(r.getValue(1)), r.getLong(2), r.getInteger(3) != 0));
          }
          return out;
        });
  }

  /** Number of rows (live and tombstones). */
  public Future<Long> count() {
    return readers.query("SELECT count(*) FROM kv").execute().map(rows -> rows.iterator().next().getLong(0));
  }

  private static byte[] bytes(Object v) {
    if (v == null) {
      return new byte[0];
    }
    if (v instanceof byte[] b) {
      return b;
    }
    if (v instanceof Buffer b) {
      return b.getBytes();
    }
    throw new IllegalStateException("unexpected BLOB type " + v.getClass());
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
