package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import kvstore.paxos.Acceptor;
import kvstore.paxos.AcceptorState;
import kvstore.paxos.Ballot;
import kvstore.paxos.PaxosAnswer;
import kvstore.paxos.PaxosCall;
import kvstore.ring.Ring;
import kvstore.version.Versioned;

/**
 * Acceptor steps ({@link Acceptor}) on this replica's {@code paxos} table, in order, committed in a
 * group like any write, so a promise or acceptance is on disk before its answer leaves. A commit
 * also stores its row with last-write-wins in the same group. Runs on the single writer, so reading
 * a key's state and writing the next one need no lock.
 */
final class PaxosStep implements WriteOp<java.util.List<PaxosAnswer>> {
  static final String TABLE = "CREATE TABLE IF NOT EXISTS paxos (key TEXT PRIMARY KEY, promised_us INTEGER NOT NULL, promised_node TEXT NOT NULL, "
      + "accepted_us INTEGER NOT NULL, accepted_node TEXT NOT NULL, accepted_value BLOB, accepted_version INTEGER, "
      + "accepted_tombstone INTEGER, accepted_expires INTEGER, accepted_origin_us INTEGER NOT NULL, accepted_origin_node TEXT NOT NULL, "
      + "committed_us INTEGER NOT NULL, committed_node TEXT NOT NULL, committed_origin_us INTEGER NOT NULL, "
      + "committed_origin_node TEXT NOT NULL, recent_commits TEXT NOT NULL) WITHOUT ROWID";
  private static final String READ_MANY = "SELECT promised_us, promised_node, accepted_us, accepted_node, accepted_value, accepted_version, "
      + "accepted_tombstone, accepted_expires, accepted_origin_us, accepted_origin_node, committed_us, committed_node, "
      + "committed_origin_us, committed_origin_node, recent_commits, key FROM paxos WHERE key IN (";
  private static final String WRITE_HEAD = "INSERT OR REPLACE INTO paxos VALUES ";
  private static final String ROW_PLACES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private final java.util.List<PaxosCall> calls;
  private final PaxosStates cache;
  private final java.util.List<PaxosAnswer> answers = new java.util.ArrayList<>();
  /** Each key's state after this op's steps, written in one statement. */
  private final java.util.Map<String, AcceptorState> changed = new java.util.LinkedHashMap<>();

  PaxosStep(java.util.List<PaxosCall> calls, PaxosStates cache) {
    this.calls = calls;
    this.cache = cache;
  }

  @Override
  public int size() {
    return calls.size();
  }

  @Override
  public void plan(CommitGroup group) {
    for (PaxosCall call : calls) {
      if (call.phase() == PaxosCall.Phase.COMMIT) {
        group.put(call.row());
      }
    }
    group.step(this::run);
  }

  /**
   * One statement reads the states the cache lacks, one the rows the prepares answer, then every
   * step runs in memory, in order, and one statement writes the states that changed.
   */
  private Future<?> run(SqlClient c) {
    java.util.Set<String> missing = new java.util.LinkedHashSet<>();
    java.util.Set<String> prepared = new java.util.LinkedHashSet<>();
    for (PaxosCall call : calls) {
      if (cache.get(call.key()) == null) {
        missing.add(call.key());
      }
      if (call.phase() == PaxosCall.Phase.PREPARE) {
        prepared.add(call.key());
      }
    }
    java.util.Map<String, Versioned> current = new java.util.HashMap<>();
    return readStates(c, missing).compose(v -> readRows(c, prepared, current)).compose(v -> {
      for (PaxosCall call : calls) {
        AcceptorState before = cache.get(call.key());
        Acceptor.Step step = switch (call.phase()) {
          case PREPARE -> Acceptor.prepare(before, call.ballot(), current.get(call.key()), call.origin());
          case PROPOSE -> Acceptor.propose(before, call.ballot(), call.row(), call.origin());
          case COMMIT -> Acceptor.commit(before, call.ballot(), call.origin());
        };
        answers.add(step.answer());
        if (step.changed(before)) {
          cache.put(call.key(), step.next());
          changed.put(call.key(), step.next());
        }
      }
      return write(c);
    });
  }

  private Future<Void> readStates(SqlClient c, java.util.Set<String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    return c.preparedQuery(READ_MANY + String.join(", ", java.util.Collections.nCopies(keys.size(), "?")) + ")")
        .execute(Tuple.wrap(new java.util.ArrayList<Object>(keys))).map(rows -> {
          for (Row r : rows) {
            String key = r.getString(15);
            cache.put(key, state(key, r));
            keys.remove(key);
          }
          keys.forEach(k -> cache.put(k, AcceptorState.EMPTY));
          return null;
        });
  }

  private static Future<Void> readRows(SqlClient c, java.util.Set<String> keys, java.util.Map<String, Versioned> into) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    KeySearch search = KeySearch.of(new java.util.ArrayList<>(keys));
    return c.preparedQuery("SELECT value, version, tombstone, expires, key FROM kv WHERE " + search.where()).execute(search.params())
        .map(rows -> {
          rows.forEach(r -> into.put(r.getString(4), row(r.getString(4), r)));
          return null;
        });
  }

  private Future<?> write(SqlClient c) {
    if (changed.isEmpty()) {
      return Future.succeededFuture();
    }
    java.util.List<Object> params = new java.util.ArrayList<>(changed.size() * 16);
    changed.forEach((key, s) -> params.addAll(columns(key, s)));
    return c.preparedQuery(WRITE_HEAD + String.join(", ", java.util.Collections.nCopies(changed.size(), ROW_PLACES)))
        .execute(Tuple.wrap(params));
  }

  @Override
  public void failed() {
    cache.forget(calls.stream().map(PaxosCall::key).toList());
  }

  private static java.util.List<Object> columns(String key, AcceptorState s) {
    Versioned a = s.acceptedRow();
    return java.util.Arrays.asList(key, s.promised().micros(), s.promised().node(), s.accepted().micros(), s.accepted().node(),
        a == null ? null : a.value(), a == null ? null : a.version(), a == null ? null : (a.tombstone() ? 1 : 0),
        a == null ? null : a.expiresAtMs(), s.acceptedOrigin().micros(), s.acceptedOrigin().node(), s.committed().micros(),
        s.committed().node(), s.committedOrigin().micros(), s.committedOrigin().node(), encode(s.recentCommits()));
  }

  private static AcceptorState state(String key, Row r) {
    Versioned accepted = r.getValue(5) == null ? null
        : new Versioned(key, SqliteReader.bytes(r.getValue(4)), r.getLong(5), r.getInteger(6) != 0, r.getLong(7));
    return new AcceptorState(new Ballot(r.getLong(0), r.getString(1)), new Ballot(r.getLong(2), r.getString(3)), accepted,
        new Ballot(r.getLong(8), r.getString(9)), new Ballot(r.getLong(10), r.getString(11)), new Ballot(r.getLong(12), r.getString(13)),
        decode(r.getString(14)));
  }

  /** Ballots as "micros:node,..." (node ids are letters, digits, '.', '_' and '-'). */
  static String encode(java.util.List<Ballot> ballots) {
    StringBuilder b = new StringBuilder();
    for (Ballot x : ballots) {
      b.append(b.length() == 0 ? "" : ",").append(x.micros()).append(':').append(x.node());
    }
    return b.toString();
  }

  static java.util.List<Ballot> decode(String s) {
    java.util.List<Ballot> out = new java.util.ArrayList<>();
    for (String part : s.isEmpty() ? new String[0] : s.split(",")) {
      int colon = part.indexOf(':');
      out.add(new Ballot(Long.parseLong(part.substring(0, colon)), part.substring(colon + 1)));
    }
    return out;
  }

  private static Versioned row(String key, Row r) {
    return new Versioned(key, SqliteReader.bytes(r.getValue(0)), r.getLong(1), r.getInteger(2) != 0, r.getLong(3));
  }

  @Override
  public java.util.List<PaxosAnswer> answer(CommitGroup group) {
    return answers;
  }

  /**
   * Deletes the Paxos state of keys whose last round is settled (nothing accepted and not committed)
   * and older than {@code beforeMicros}. Safe once every replica has the commit: a proposal that
   * late could only carry a version older than the row it would replace, and last-write-wins keeps
   * the row.
   */
  static WriteOp<Integer> prune(long beforeMicros, PaxosStates cache) {
    int[] deleted = {0};
    return new WriteOp<>() {
      @Override
      public int size() {
        return 1;
      }

      @Override
      public void plan(CommitGroup group) {
        group.step(c -> c.preparedQuery("DELETE FROM paxos WHERE accepted_us < committed_us AND promised_us < ? AND committed_us < ?")
            .execute(Tuple.of(beforeMicros, beforeMicros)).map(r -> deleted[0] = r.rowCount()));
      }

      @Override
      public void failed() {
        cache.clear();
      }

      @Override
      public Integer answer(CommitGroup group) {
        if (deleted[0] > 0) {
          cache.clear();
        }
        return deleted[0];
      }
    };
  }
}
