package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import kvstore.ring.Ring;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Upgrades a data directory written before rows carried their ring token: adds the column and
 * fills it page by page (SQLite has no Murmur3, so the tokens are computed here). Runs once, at
 * open, before the node serves; a crash midway resumes where it stopped.
 */
final class TokenColumn {
  private static final int PAGE = 5000;

  private TokenColumn() {
  }

  /** Adds the column if missing, indexes it, and fills what is NULL (nothing, after the first run). */
  static Future<Void> ensure(Pool writer, Consumer<String> progress) {
    return writer.query("PRAGMA table_info(kv)").execute().compose(cols -> {
      for (Row c : cols) {
        if ("token".equals(c.getString("name"))) {
          return Future.succeededFuture();
        }
      }
      progress.accept("upgrading kv table: adding the token column");
      return writer.query("ALTER TABLE kv ADD COLUMN token INTEGER").execute().mapEmpty();
    })
        // the index first: it finds the NULL tokens at once, so a store already upgraded opens fast
        .compose(v -> writer.query("CREATE INDEX IF NOT EXISTS kv_token ON kv(token, key)").execute())
        .compose(v -> fill(writer, progress, 0, 0));
  }

  /** Pages by rowid, so each page starts where the last ended instead of rescanning filled rows. */
  private static Future<Void> fill(Pool writer, Consumer<String> progress, long afterRowid, long done) {
    return writer.preparedQuery("SELECT rowid, key FROM kv WHERE token IS NULL AND rowid > ? ORDER BY rowid LIMIT " + PAGE)
        .execute(Tuple.of(afterRowid)).compose(rows -> {
      if (rows.size() == 0) {
        if (done > 0) {
          progress.accept("token column filled for " + done + " rows");
        }
        return Future.succeededFuture();
      }
      List<Tuple> updates = new ArrayList<>(rows.size());
      long last = afterRowid;
      for (Row r : rows) {
        updates.add(Tuple.of(Ring.token(r.getString(1)), r.getLong(0)));
        last = Math.max(last, r.getLong(0));
      }
      long lastRowid = last;
      long total = done + updates.size();
      return writer.withTransaction(conn -> conn.preparedQuery("UPDATE kv SET token = ? WHERE rowid = ?").executeBatch(updates)).compose(r -> {
        if (total % (PAGE * 20) == 0) {
          progress.accept("token column: " + total + " rows so far");
        }
        return fill(writer, progress, lastRowid, total);
      });
    });
  }
}
