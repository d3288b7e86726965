package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hints table: additions and deletions commit through the writer's groups with the rows they
 * belong with; the count per target is kept in memory (exact after every commit), so the cap and
 * the replay's polling cost no query. Used from the writer's context only.
 */
final class SqliteHints {
  private static final String INSERT_HINT =
      "INSERT INTO hints(target, key, value, version, tombstone, expires, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

  private final GroupCommit writer;
  private final SqliteReader reader;
  /** Committed hints per target. */
  private final Map<String, Long> counts = new HashMap<>();
  /** Hints planned into a group that has not committed yet, per target (the cap counts them too). */
  private final Map<String, Long> planned = new HashMap<>();

  SqliteHints(GroupCommit writer, SqliteReader reader) {
    this.writer = writer;
    this.reader = reader;
  }

  static Future<Void> createTable(Pool pool) {
    return pool.query("CREATE TABLE IF NOT EXISTS hints (id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, "
            + "key TEXT NOT NULL, value BLOB NOT NULL, version INTEGER NOT NULL, tombstone INTEGER NOT NULL, created_at INTEGER NOT NULL, "
            + "expires INTEGER NOT NULL DEFAULT 0)").execute()
        .compose(r -> SqliteStorage.addColumnIfMissing(pool, "hints", "expires", "INTEGER NOT NULL DEFAULT 0"))
        .compose(r -> pool.query("CREATE INDEX IF NOT EXISTS hints_target ON hints(target, id)").execute())
        .mapEmpty();
  }

  /** Reads the counts per target once, at open. */
  Future<Void> loadCounts(Pool pool) {
    return pool.query("SELECT target, count(*) FROM hints GROUP BY target").execute().map(rows -> {
      for (Row row : rows) {
        counts.put(row.getString(0), row.getLong(1));
      }
      return null;
    });
  }

  /** Stores hints durably, at most {@code capPerTarget} per target in all; answers how many were kept. */
  Future<Integer> add(List<Hint> hints, long capPerTarget) {
    return writer.enqueue(new Add(hints, capPerTarget));
  }

  Future<List<Hint>> hintsFor(String target, int limit) {
    return reader.hintsFor(target, limit);
  }

  Future<Void> drop(String target, List<Long> ids) {
    return writer.enqueue(new Drop(target, ids));
  }

  /** Pending hints per target (only targets with some). */
  Map<String, Long> counts() {
    Map<String, Long> out = new HashMap<>();
    counts.forEach((t, n) -> {
      if (n > 0) {
        out.put(t, n);
      }
    });
    return out;
  }

  private final class Add implements WriteOp<Integer> {
    private final List<Hint> hints;
    private final long capPerTarget;
    private final Map<String, Long> kept = new HashMap<>();

    Add(List<Hint> hints, long capPerTarget) {
      this.hints = hints;
      this.capPerTarget = capPerTarget;
    }

    @Override
    public int size() {
      return hints.size();
    }

    @Override
    public void plan(CommitGroup group) {
      List<Tuple> inserts = new ArrayList<>();
      long now = System.currentTimeMillis();
      for (Hint h : hints) {
        long count = counts.getOrDefault(h.target(), 0L) + planned.getOrDefault(h.target(), 0L);
        if (count >= capPerTarget) {
          continue;
        }
        Versioned v = h.row();
        inserts.add(Tuple.of(h.target(), v.key(), v.value(), v.version(), v.tombstone() ? 1 : 0, v.expiresAtMs(), now));
        planned.merge(h.target(), 1L, Long::sum);
        kept.merge(h.target(), 1L, Long::sum);
      }
      if (!inserts.isEmpty()) {
        group.batch(INSERT_HINT, inserts);
      }
    }

    @Override
    public Integer answer(CommitGroup group) {
      unplan();
      kept.forEach((t, n) -> counts.merge(t, n, Long::sum));
      return kept.values().stream().mapToInt(Long::intValue).sum();
    }

    @Override
    public void failed() {
      unplan();
    }

    private void unplan() {
      kept.forEach((t, n) -> planned.merge(t, -n, Long::sum));
    }
  }

  private final class Drop implements WriteOp<Void> {
    private final String target;
    private final List<Long> ids;

    Drop(String target, List<Long> ids) {
      this.target = target;
      this.ids = ids;
    }

    @Override
    public int size() {
      return ids.size();
    }

    @Override
    public void plan(CommitGroup group) {
      List<Tuple> deletes = new ArrayList<>(ids.size());
      for (long id : ids) {
        deletes.add(Tuple.of(id));
      }
      if (!deletes.isEmpty()) {
        group.batch("DELETE FROM hints WHERE id = ?", deletes);
      }
    }

    @Override
    public Void answer(CommitGroup group) {
      counts.merge(target, -(long) ids.size(), Long::sum);
      return null;
    }
  }
}
