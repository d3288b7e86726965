package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import kvstore.repair.RowHash;
import kvstore.ring.Ring;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The columns computed in Java from each row (SQLite has neither Murmur3 nor our row hash): its
 * ring token, its Merkle {@link RowHash}, and the hash of the row its last write replaced. Upgrades
 * a data directory written by an older release by adding what is missing and filling it page by
 * page, at open, before the node serves; a crash midway resumes where it stopped.
 * {@code PRAGMA user_version} records that a store is complete, so it opens without a scan.
 */
final class DerivedColumns {
  static final int SCHEMA_VERSION = 2;
  private static final int PAGE = 5000;

  private DerivedColumns() {
  }

  static Future<Void> ensure(Pool writer, Consumer<String> progress) {
    return writer.query("PRAGMA user_version").execute().compose(v -> {
      if (v.iterator().next().getInteger(0) >= SCHEMA_VERSION) {
        return Future.succeededFuture();
      }
      return writer.query("PRAGMA table_info(kv)").execute()
          .compose(cols -> {
            Set<String> have = new HashSet<>();
            cols.forEach(c -> have.add(c.getString("name")));
            Future<?> f = Future.succeededFuture();
            for (String col : List.of("token", "hash", "replaced")) {
              if (!have.contains(col)) {
                progress.accept("upgrading kv table: adding the " + col + " column");
                f = f.compose(x -> writer.query("ALTER TABLE kv ADD COLUMN " + col + " INTEGER").execute());
              }
            }
            return f;
          })
          .compose(x -> fill(writer, progress, 0, 0))
          .compose(x -> writer.query("PRAGMA user_version = " + SCHEMA_VERSION).execute())
          .mapEmpty();
    }).compose(v -> writer.query("CREATE INDEX IF NOT EXISTS kv_token ON kv(token, key)").execute().mapEmpty());
  }

  /** Pages by rowid, so each page starts where the last ended instead of rescanning filled rows. */
  private static Future<Void> fill(Pool writer, Consumer<String> progress, long afterRowid, long done) {
    return writer.preparedQuery("SELECT rowid, key, value, version, tombstone FROM kv "
            + "WHERE rowid > ? AND (token IS NULL OR hash IS NULL) ORDER BY rowid LIMIT " + PAGE)
        .execute(Tuple.of(afterRowid)).compose(rows -> {
      if (rows.size() == 0) {
        if (done > 0) {
          progress.accept("token and hash columns filled for " + done + " rows");
        }
        return Future.succeededFuture();
      }
      List<Tuple> updates = new ArrayList<>(rows.size());
      long last = afterRowid;
      for (Row r : rows) {
        Versioned row = new Versioned(r.getString(1), SqliteReader.bytes(r.getValue(2)), r.getLong(3), r.getInteger(4) != 0);
        updates.add(Tuple.of(Ring.token(row.key()), RowHash.of(row), r.getLong(0)));
        last = Math.max(last, r.getLong(0));
      }
      long lastRowid = last;
      long total = done + updates.size();
      return SqlTransaction.run(writer, conn -> conn.preparedQuery("UPDATE kv SET token = ?, hash = ? WHERE rowid = ?").executeBatch(updates))
          .compose(r -> {
            if (total % (PAGE * 20) == 0) {
              progress.accept("token and hash columns: " + total + " rows so far");
            }
            return fill(writer, progress, lastRowid, total);
          });
    });
  }
}
