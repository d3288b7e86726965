package kvstore.storage;

import io.vertx.sqlclient.Tuple;

/**
 * Rows deleted for good, not tombstoned: tombstones and expired values past their grace period, or
 * rows this node no longer replicates (cleanup). Answers how many; RETURNING tells the Merkle trees and the row cache
 * exactly which.
 */
final class Purge implements WriteOp<Integer> {
  private final String where;
  private final Tuple params;
  private int deleted;

  /** {@code DELETE FROM kv WHERE <where>}. */
  Purge(String where, Tuple params) {
    this.where = where;
    this.params = params;
  }

  /** Matches the two partial indexes of {@link KvSchema}, so the purge reads them, not the table. */
  static final String PAST_GRACE = "(tombstone = 1 AND version < ?) OR (expires > 0 AND expires < ?)";

  static Purge pastGrace(long tombstoneVersion, long expiredBeforeMs) {
    return new Purge(PAST_GRACE, Tuple.of(tombstoneVersion, expiredBeforeMs));
  }

  static Purge keys(java.util.List<String> keys) {
    KeySearch search = KeySearch.of(keys);
    return new Purge(search.where(), search.params());
  }

  @Override
  public int size() {
    return 1;
  }

  @Override
  public void plan(CommitGroup group) {
    group.step(c -> c.preparedQuery("DELETE FROM kv WHERE " + where + " RETURNING key, token, hash, rowid").execute(params).map(rows -> {
      deleted = rows.size();
      group.removed(rows);
      return null;
    }));
  }

  @Override
  public Integer answer(CommitGroup group) {
    return deleted;
  }
}
