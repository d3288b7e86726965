package kvstore.storage;

import io.vertx.sqlclient.Tuple;

/**
 * One page of a Merkle-tree build: the (rowid, token, hash) of the rows after the index's cursor,
 * in rowid order: a walk of the table from front to back. It queues behind client writes like any change, so a build never holds the
 * writer for long, and it reads what the writes before it in the same group stored. Answers the
 * rows read.
 */
final class TreeScanPage implements WriteOp<Integer> {
  private final RowHashIndex index;
  private final int limit;
  private int read;

  TreeScanPage(RowHashIndex index, int limit) {
    this.index = index;
    this.limit = limit;
  }

  @Override
  public int size() {
    return 1;
  }

  @Override
  public void plan(CommitGroup group) {
    long after = index.scannedThrough();
    group.step(c -> c.preparedQuery("SELECT rowid, token, hash FROM kv WHERE rowid > ? ORDER BY rowid LIMIT ?")
        .execute(Tuple.of(after, limit))
        .map(rows -> {
          read = rows.size();
          group.scanned(index, rows);
          return null;
        }));
  }

  @Override
  public Integer answer(CommitGroup group) {
    return read;
  }
}
