package kvstore.storage;

import kvstore.version.Versioned;

import java.util.List;

/** Rows to store with last-write-wins; answers, per row, the version stored for its key afterwards. */
final class PutRows implements WriteOp<long[]> {
  private final List<Versioned> rows;

  PutRows(List<Versioned> rows) {
    this.rows = rows;
  }

  @Override
  public int size() {
    return rows.size();
  }

  @Override
  public void plan(CommitGroup group) {
    rows.forEach(group::put);
  }

  @Override
  public long[] answer(CommitGroup group) {
    long[] out = new long[rows.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = group.storedVersion(rows.get(i).key());
    }
    return out;
  }
}
