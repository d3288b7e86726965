package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One group commit: the rows and statements of the changes queued together, run as one
 * transaction - or, when the group is a single statement (the usual case under load: one
 * multi-row upsert), alone in autocommit, which is just as atomic and saves three worker
 * hand-offs of BEGIN, COMMIT and a pool round. What the statements changed is applied to the
 * Merkle trees and the row cache after the commit, in one order: see {@link #applyTo}.
 */
final class CommitGroup {
  /** One statement, or one JDBC batch of a statement, on the writer. */
  interface Step extends Function<SqlClient, Future<?>> {
  }

  private record Scanned(RowHashIndex index, List<Row> rows) {
  }

  private final Upserts upserts;
  /** Per key, the newest row the group writes: only it can change what is stored. */
  private final Map<String, Upserts.RowWrite> newest = new LinkedHashMap<>();
  /** A row the upserts changed: the hash of the row it replaced (0: none) and where it is stored. */
  private record Applied(long replaced, long rowid) {
  }

  private final Map<String, Applied> applied = new HashMap<>();
  /** Stored versions of keys whose rows all lost to what was stored. */
  private final Map<String, Long> storedVersions = new HashMap<>();
  private final List<Step> steps = new ArrayList<>();
  private final List<Row> removed = new ArrayList<>();
  private final List<Scanned> scanned = new ArrayList<>();
  private boolean batched;

  CommitGroup(Upserts upserts) {
    this.upserts = upserts;
  }

  // ---- planning (WriteOp.plan)

  void put(Versioned row) {
    Upserts.RowWrite current = newest.get(row.key());
    if (current == null || row.newerThan(current.row())) {
      newest.put(row.key(), Upserts.RowWrite.of(row));
    }
  }

  void step(Step s) {
    steps.add(s);
  }

  /** One statement for many parameter sets (a JDBC batch, which runs inside a transaction). */
  void batch(String sql, List<Tuple> params) {
    batched = true;
    steps.add(c -> c.preparedQuery(sql).executeBatch(params));
  }

  // ---- while the steps run

  /** Rows a statement deleted, as (key, token, hash, rowid). */
  void removed(RowSet<Row> rows) {
    rows.forEach(removed::add);
  }

  /** Rows a tree build's page read, as (rowid, token, hash), for {@code index}. */
  void scanned(RowHashIndex index, RowSet<Row> rows) {
    List<Row> list = new ArrayList<>(rows.size());
    rows.forEach(list::add);
    scanned.add(new Scanned(index, list));
  }

  // ---- answers (WriteOp.answer)

  /** The version stored for the key after the group: its own when it won, else what was there. */
  long storedVersion(String key) {
    return applied.containsKey(key) ? newest.get(key).row().version() : storedVersions.getOrDefault(key, Long.MIN_VALUE);
  }

  int rowsApplied() {
    return applied.size();
  }

  Future<?> run(Pool writer) {
    // the writes first, so a scan page in the same group reads what they stored
    List<Upserts.RowWrite> rows = new ArrayList<>(newest.values());
    List<Step> all = new ArrayList<>();
    for (int i = 0; i < rows.size(); i += Upserts.ROWS_PER_UPSERT) {
      List<Upserts.RowWrite> part = rows.subList(i, Math.min(rows.size(), i + Upserts.ROWS_PER_UPSERT));
      all.add(c -> c.preparedQuery(upserts.statement(part.size())).execute(Upserts.params(part)).map(changed -> {
        for (Row r : changed) {
          Long replaced = r.getLong(1);
          applied.put(r.getString(0), new Applied(replaced == null ? 0L : replaced, r.getLong(2)));
        }
        return null;
      }));
    }
    all.addAll(steps);
    Future<?> stored = all.size() == 1 && !batched
        ? all.get(0).apply(writer)
        : SqlTransaction.run(writer, conn -> {
            Future<?> f = Future.succeededFuture();
            for (Step step : all) {
              f = f.compose(v -> step.apply(conn));
            }
            return f;
          });
    return stored.compose(v -> readLosers(writer));
  }

  /** Rows that lost to what was stored answer with its version (the coordinator re-stamps on it). */
  private Future<?> readLosers(Pool writer) {
    List<String> lost = new ArrayList<>();
    for (String key : newest.keySet()) {
      if (!applied.containsKey(key)) {
        lost.add(key);
      }
    }
    if (lost.isEmpty()) {
      return Future.succeededFuture();
    }
    // only this writer changes rows, and it is still busy with this group: they are as committed
    KeySearch search = KeySearch.of(lost);
    return writer.preparedQuery("SELECT key, version FROM kv WHERE " + search.where())
        .execute(search.params()).map(found -> {
          found.forEach(r -> storedVersions.put(r.getString(0), r.getLong(1)));
          return null;
        });
  }

  /**
   * The committed changes into the Merkle trees and the row cache: the upserts' and deletions'
   * deltas first, then the scan pages (see {@link RowHashIndex}: a delta for a row the scan has
   * passed must not be counted again).
   */
  void applyTo(RowHashIndex trees, RowCache cache) {
    if (trees != null) {
      applied.forEach((key, a) -> {
        Upserts.RowWrite w = newest.get(key);
        trees.apply(a.rowid(), w.token(), a.replaced(), w.hash());
      });
      removed.forEach(r -> trees.apply(r.getLong(3), r.getLong(1), r.getLong(2), 0));
    }
    for (Scanned s : scanned) {
      for (Row r : s.rows()) {
        s.index().addScanned(r.getLong(0), r.getLong(1), r.getLong(2));
      }
    }
    applied.keySet().forEach(cache::invalidate);
    removed.forEach(r -> cache.invalidate(r.getString(0)));
  }
}
