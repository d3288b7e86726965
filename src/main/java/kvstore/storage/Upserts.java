package kvstore.storage;

import io.vertx.sqlclient.Tuple;
import kvstore.ring.Ring;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The multi-row upsert that stores a group's rows in one statement, last-write-wins in SQL, and
 * lists the winners with the hash of the row each replaced: the Merkle delta of a write without a
 * read before it. Used by the writer's context only (the statement cache is not shared).
 */
final class Upserts {
  // The guard repeats Versioned.compare (version, then tombstone, then value bytes, then the earlier
  // expiry, 0 meaning never), so a write
  // changes a row only when it is newer: no read before the write, and no way backwards.
  private static final String HEAD = "INSERT INTO kv(key, value, version, tombstone, expires, token, hash) VALUES ";
  // SET sees the old row, so `replaced` keeps the hash of the row this write replaces, and
  // RETURNING hands it back. RETURNING lists only the rows inserted or updated, i.e. the winners.
  private static final String NEVER_LAST = "(CASE %1$s.expires WHEN 0 THEN 9223372036854775807 ELSE %1$s.expires END)";
  private static final String TAIL = " ON CONFLICT(token, key) DO UPDATE SET value = excluded.value, version = excluded.version, "
      + "tombstone = excluded.tombstone, expires = excluded.expires, hash = excluded.hash, replaced = kv.hash "
      + "WHERE excluded.version > kv.version "
      + "OR (excluded.version = kv.version AND (excluded.tombstone > kv.tombstone "
      + "OR (excluded.tombstone = kv.tombstone AND (excluded.value > kv.value "
      + "OR (excluded.value = kv.value AND " + NEVER_LAST.formatted("excluded") + " < " + NEVER_LAST.formatted("kv") + ")))))"
      + " RETURNING key, replaced, rowid";

  /** Rows per statement: 7 parameters each, inside SQLite's 32766-parameter limit. */
  static final int ROWS_PER_UPSERT = 4000;
  /** Statements are kept for group sizes up to this; larger (rare) ones are built each time, so the cache stays ~3 MB. */
  private static final int CACHED_ROWS = 512;
  private final Map<Integer, String> sql = new HashMap<>();

  /** A row to write with what is derived from it once: its ring token and its Merkle row hash. */
  record RowWrite(Versioned row, long token, long hash) {
    static RowWrite of(Versioned row) {
      return new RowWrite(row, Ring.token(row.key()), RowHash.of(row));
    }
  }

  String statement(int rows) {
    return rows <= CACHED_ROWS ? sql.computeIfAbsent(rows, Upserts::build) : build(rows);
  }

  private static String build(int rows) {
    StringBuilder sb = new StringBuilder(HEAD);
    for (int i = 0; i < rows; i++) {
      sb.append(i == 0 ? "(?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?)");
    }
    return sb.append(TAIL).toString();
  }

  static Tuple params(List<RowWrite> rows) {
    List<Object> params = new ArrayList<>(rows.size() * 7);
    for (RowWrite w : rows) {
      Versioned v = w.row();
      // byte[], not Buffer: sqlite-jdbc rejects Vert.x Buffers as parameters
      params.add(v.key());
      params.add(v.value());
      params.add(v.version());
      params.add(v.tombstone() ? 1 : 0);
      params.add(v.expiresAtMs());
      params.add(w.token());
      params.add(w.hash());
    }
    return Tuple.wrap(params);
  }
}
