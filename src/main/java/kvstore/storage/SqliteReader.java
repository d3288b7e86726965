package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import kvstore.version.Versioned;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Read access to the node's SQLite file. The Vert.x JDBC client runs a context's blocking calls in
 * order, one at a time, so each reader lives on its own context (its own verticle): readers then
 * run in parallel with one another and with the writer, which WAL allows.
 */
public final class SqliteReader {
  private static final int MAX_READ_BATCH = 256;
  // pool names label the pool's metrics: each reader needs its own, or the meters collide
  private static final java.util.concurrent.atomic.AtomicInteger READERS = new java.util.concurrent.atomic.AtomicInteger();
  private final Pool pool;
  private final Map<String, List<Promise<Versioned>>> pending = new LinkedHashMap<>();
  private boolean reading;

  public SqliteReader(Vertx vertx, SqliteFile file, int connections) {
    this.pool = SqliteValues.pool(vertx, file.url(), connections, "kv-reader-" + READERS.incrementAndGet());
  }

  /**
   * Point reads are grouped like writes: while one lookup runs on the worker, keys that arrive
   * queue up and the next lookup fetches them all with one {@code IN (...)} query, so the thread
   * hand-off and JDBC overhead are paid per batch, not per key. Call from the owning context only.
   */
  public Future<Versioned> read(String key) {
    Promise<Versioned> p = Promise.promise();
    pending.computeIfAbsent(key, k -> new ArrayList<>(1)).add(p);
    readNext();
    return p.future();
  }

  private void readNext() {
    if (reading || pending.isEmpty()) {
      return;
    }
    reading = true;
    Map<String, List<Promise<Versioned>>> batch = new HashMap<>();
    var it = pending.entrySet().iterator();
    while (it.hasNext() && batch.size() < MAX_READ_BATCH) {
      var e = it.next();
      batch.put(e.getKey(), e.getValue());
      it.remove();
    }
    KeySearch search = KeySearch.of(new ArrayList<>(batch.keySet()));
    pool.preparedQuery("SELECT key, value, version, tombstone, expires FROM kv WHERE " + search.where()).execute(search.params()).onComplete(ar -> {
      reading = false;
      if (ar.succeeded()) {
        Map<String, Versioned> found = new HashMap<>();
        for (Row r : ar.result()) {
          String k = r.getString(0);
          found.put(k, row(r, 0));
        }
        batch.forEach((k, waiters) -> waiters.forEach(w -> w.complete(found.get(k))));
      } else {
        batch.values().forEach(waiters -> waiters.forEach(w -> w.fail(ar.cause())));
      }
      readNext();
    });
  }

  /** {@code (?,?,...)} with {@code n} parameters, for {@code IN} lists. */
  static String placeholders(int n) {
    return "(" + "?,".repeat(n - 1) + "?)";
  }

  /**
   * Every row (tombstones included) of one of the 16 chunks, ordered by key. A chunk is the low four
   * bits of the token ({@code Chunks.ofToken}); no index serves that, so this reads the whole
   * (token, key) index: the prototype's chunk calls are for small stores and tests, not for repair.
   */
  public Future<List<Versioned>> chunk(int chunkId) {
    return pool.preparedQuery("SELECT key, value, version, tombstone, expires FROM kv WHERE (token & 15) = ? ORDER BY key")
        .execute(Tuple.of(chunkId))
        .map(rows -> {
          List<Versioned> out = new ArrayList<>(rows.size());
          for (Row r : rows) {
            out.add(row(r, 0));
          }
          return out;
        });
  }

  /**
   * Rows whose token lies in any of the (low, high] ranges: one UNION ALL of index range scans.
   * A range that wraps past the largest token becomes two closed intervals.
   */
  public Future<List<Versioned>> tokenRanges(List<long[]> ranges) {
    if (ranges.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder();
    for (long[] r : ranges) {
      long a = r[0] + 1; // (low, high] as [low + 1, high]; low = MAX wraps to MIN, which is right
      long b = r[1];
      if (a <= b) {
        interval(sql, params, a, b);
      } else {
        interval(sql, params, a, Long.MAX_VALUE);
        interval(sql, params, Long.MIN_VALUE, b);
      }
    }
    return pool.preparedQuery(sql.toString()).execute(Tuple.wrap(params)).map(rows -> {
      List<Versioned> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        out.add(row(r, 0));
      }
      return out;
    });
  }

  private static void interval(StringBuilder sql, List<Object> params, long a, long b) {
    if (!sql.isEmpty()) {
      sql.append(" UNION ALL ");
    }
    sql.append("SELECT key, value, version, tombstone, expires FROM kv WHERE token BETWEEN ? AND ?");
    params.add(a);
    params.add(b);
  }

  public Future<List<Versioned>> scan(TokenScan scan) {
    var query = scan.afterKey() == null
        ? pool.preparedQuery("SELECT key, value, version, tombstone, expires FROM kv WHERE token BETWEEN ? AND ? ORDER BY token, key LIMIT ?")
            .execute(Tuple.of(scan.first(), scan.last(), scan.limit()))
        : pool.preparedQuery("SELECT key, value, version, tombstone, expires FROM kv WHERE token BETWEEN ? AND ? AND (token, key) > (?, ?) "
            + "ORDER BY token, key LIMIT ?").execute(Tuple.of(scan.first(), scan.last(), scan.afterToken(), scan.afterKey(), scan.limit()));
    return query.map(rows -> {
      List<Versioned> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        out.add(row(r, 0));
      }
      return out;
    });
  }

  /** Number of rows (live and tombstones), as the triggers keep it ({@link KvSchema}). */
  public Future<Long> count() {
    return pool.query("SELECT n FROM kv_rows").execute().map(rows -> rows.iterator().next().getLong(0));
  }

  /** Oldest hints first, for one target. */
  public Future<List<Hint>> hintsFor(String target, int limit) {
    return pool.preparedQuery("SELECT id, key, value, version, tombstone, expires FROM hints WHERE target = ? ORDER BY id LIMIT ?")
        .execute(Tuple.of(target, limit))
        .map(rows -> {
          List<Hint> out = new ArrayList<>(rows.size());
          for (Row r : rows) {
            out.add(new Hint(r.getLong(0), target, row(r, 1)));
          }
          return out;
        });
  }

  /** The row in columns key, value, version, tombstone, expires, starting at column {@code first}. */
  private static Versioned row(Row r, int first) {
    return new Versioned(r.getString(first), bytes(r.getValue(first + 1)), r.getLong(first + 2), r.getInteger(first + 3) != 0,
        r.getLong(first + 4));
  }

  static byte[] bytes(Object v) {
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

  public Future<Void> close() {
    return pool.close();
  }
}
