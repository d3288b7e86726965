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
  private static final String READ = "SELECT promised_us, promised_node, accepted_us, accepted_node, accepted_value, accepted_version, "
      + "accepted_tombstone, accepted_expires, accepted_origin_us, accepted_origin_node, committed_us, committed_node, "
      + "committed_origin_us, committed_origin_node, recent_commits FROM paxos WHERE key = ?";
  private static final String WRITE = "INSERT OR REPLACE INTO paxos VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String CURRENT = "SELECT value, version, tombstone, expires FROM kv WHERE token = ? AND key = ?";

  private final java.util.List<PaxosCall> calls;
  private final java.util.List<PaxosAnswer> answers = new java.util.ArrayList<>();

  PaxosStep(java.util.List<PaxosCall> calls) {
    this.calls = calls;
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
    group.step(c -> runFrom(c, 0));
  }

  /** The calls from {@code i} on, one after the other (each reads what the one before wrote). */
  private Future<?> runFrom(SqlClient c, int i) {
    if (i == calls.size()) {
      return Future.succeededFuture();
    }
    return run(c, calls.get(i)).compose(v -> runFrom(c, i + 1));
  }

  private Future<?> run(SqlClient c, PaxosCall call) {
    return c.preparedQuery(READ).execute(Tuple.of(call.key())).<Void>compose(rows -> {
      AcceptorState before = rows.size() == 0 ? AcceptorState.EMPTY : state(call.key(), rows.iterator().next());
      return switch (call.phase()) {
        case PREPARE -> c.preparedQuery(CURRENT).execute(Tuple.of(Ring.token(call.key()), call.key()))
            .compose(cur -> store(c, call.key(), before, Acceptor.prepare(before, call.ballot(),
                cur.size() == 0 ? null : row(call.key(), cur.iterator().next()), call.origin())));
        case PROPOSE -> store(c, call.key(), before, Acceptor.propose(before, call.ballot(), call.row(), call.origin()));
        case COMMIT -> store(c, call.key(), before, Acceptor.commit(before, call.ballot(), call.origin()));
      };
    });
  }

  private Future<Void> store(SqlClient c, String key, AcceptorState before, Acceptor.Step step) {
    answers.add(step.answer());
    if (!step.changed(before)) {
      return Future.succeededFuture();
    }
    AcceptorState s = step.next();
    Versioned a = s.acceptedRow();
    return c.preparedQuery(WRITE).execute(Tuple.wrap(new Object[] {key, s.promised().micros(), s.promised().node(),
        s.accepted().micros(), s.accepted().node(), a == null ? null : a.value(), a == null ? null : a.version(),
        a == null ? null : (a.tombstone() ? 1 : 0), a == null ? null : a.expiresAtMs(), s.acceptedOrigin().micros(), s.acceptedOrigin().node(), s.committed().micros(),
        s.committed().node(), s.committedOrigin().micros(), s.committedOrigin().node(), encode(s.recentCommits())})).mapEmpty();
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
  static WriteOp<Integer> prune(long beforeMicros) {
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
      public Integer answer(CommitGroup group) {
        return deleted[0];
      }
    };
  }
}
