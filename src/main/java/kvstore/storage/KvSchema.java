package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

import java.util.function.Consumer;

/**
 * The layout of the {@code kv} table, and the one-time move of a store made with an older one.
 *
 * <p>Rows live in a rowid table, so a new row is appended at the table's end, and are found through
 * one unique index on (token, key): a key's token is its Murmur3 hash, computed in Java, so a point
 * read and a range scan for repair or streaming search that one index; a Merkle-tree build walks
 * the table itself, in rowid order.
 * The older layout kept four B-trees (the table, a primary key on key, and indexes on (chunk, key)
 * and (token, key)); a new row then landed at a random place in three of them, and put rates fell
 * with every million rows. Two small partial indexes hold only tombstones and expiring values,
 * so the purge reads those instead of the whole table. Triggers keep the row count in {@code kv_rows},
 * in the same statement as the change, so a status call never counts the table.
 */
final class KvSchema {
  static final String COLUMNS = "key TEXT NOT NULL, value BLOB NOT NULL, version INTEGER NOT NULL, tombstone INTEGER NOT NULL, "
      + "token INTEGER NOT NULL, hash INTEGER NOT NULL, replaced INTEGER, expires INTEGER NOT NULL DEFAULT 0";
  private static final String[] INDEXES_AND_TRIGGERS = {
      "CREATE UNIQUE INDEX IF NOT EXISTS kv_key ON kv(token, key)",
      "CREATE INDEX IF NOT EXISTS kv_tombstones ON kv(version) WHERE tombstone = 1",
      "CREATE INDEX IF NOT EXISTS kv_expiring ON kv(expires) WHERE expires > 0",
      "CREATE TABLE IF NOT EXISTS kv_rows (n INTEGER NOT NULL)",
      "CREATE TRIGGER IF NOT EXISTS kv_counted_in AFTER INSERT ON kv BEGIN UPDATE kv_rows SET n = n + 1; END",
      "CREATE TRIGGER IF NOT EXISTS kv_counted_out AFTER DELETE ON kv BEGIN UPDATE kv_rows SET n = n - 1; END",
  };

  private KvSchema() {
  }

  /** Creates the table, or moves an older layout's rows into the current one; {@code notice} hears of a move. */
  static Future<Void> prepare(Pool writer, Consumer<String> notice) {
    return writer.query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'kv'").execute().compose(rows -> {
      if (rows.size() == 0) {
        return writer.query("CREATE TABLE kv (" + COLUMNS + ")").execute().compose(r -> finish(writer));
      }
      String sql = rows.iterator().next().getString(0);
      return sql.contains("key TEXT PRIMARY KEY") ? moveFromKeyedLayout(writer, notice) : finish(writer);
    });
  }

  /**
   * The layout before this one: key as primary key, a chunk column. Its token and hash columns were
   * always written by the upsert from the key, so they carry over as they are. One transaction: a
   * crash in the middle leaves the old table whole, and the next start moves it again.
   */
  private static Future<Void> moveFromKeyedLayout(Pool writer, Consumer<String> notice) {
    long t0 = System.nanoTime();
    // a store from before TTL has no expires column: it gains one first (its rows never expire)
    return SqliteStorage.addColumnIfMissing(writer, "kv", "expires", "INTEGER NOT NULL DEFAULT 0")
        .compose(v -> writer.query("SELECT count(*) FROM kv").execute())
        .compose(count -> {
          long n = count.iterator().next().getLong(0);
          notice.accept("[STORAGE] moving " + n + " rows to the current table layout (once; the node serves when it is done)");
          return SqlTransaction.run(writer, c -> c.query("CREATE TABLE kv_moved (" + COLUMNS + ")").execute()
              .compose(r -> c.query("INSERT INTO kv_moved(key, value, version, tombstone, token, hash, replaced, expires) "
                  + "SELECT key, value, version, tombstone, token, hash, replaced, expires FROM kv ORDER BY token, key").execute())
              .compose(r -> c.query("DROP TABLE kv").execute())
              .compose(r -> c.query("ALTER TABLE kv_moved RENAME TO kv").execute())
              .compose(r -> createIndexesAndTriggers(c)))
              .onSuccess(v -> notice.accept("[STORAGE] moved " + n + " rows in " + (System.nanoTime() - t0) / 1_000_000 + " ms"));
        })
        .compose(v -> finish(writer));
  }

  private static Future<Void> finish(Pool writer) {
    return SqlTransaction.run(writer, KvSchema::createIndexesAndTriggers).mapEmpty();
  }

  private static Future<Void> createIndexesAndTriggers(io.vertx.sqlclient.SqlClient c) {
    Future<?> f = Future.succeededFuture();
    for (String ddl : INDEXES_AND_TRIGGERS) {
      f = f.compose(r -> c.query(ddl).execute());
    }
    // the count starts from the table once, when kv_rows is new (asked first: SQLite would count
    // 10M rows even to insert none); the triggers keep it from then on
    return f.compose(r -> c.query("SELECT count(*) FROM kv_rows").execute())
        .compose(rows -> rows.iterator().next().getLong(0) > 0 ? Future.succeededFuture()
            : c.query("INSERT INTO kv_rows SELECT count(*) FROM kv").execute())
        .mapEmpty();
  }
}
