package kvstore.storage;

import io.vertx.sqlclient.Tuple;

/**
 * One page of a Merkle-tree build: the (key, token, hash) of the rows after the index's cursor, in
 * (token, key) order. It queues behind client writes like any change, so a build never holds the
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
    RowHashIndex.ScanPosition cur = index.position();
    group.step(c -> (cur == null
        ? c.preparedQuery("SELECT key, token, hash FROM kv ORDER BY token, key LIMIT ?").execute(Tuple.of(limit))
        : c.preparedQuery("SELECT key, token, hash FROM kv WHERE (token, key) > (?, ?) ORDER BY token, key LIMIT ?")
            .execute(Tuple.of(cur.token(), cur.key(), limit)))
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
