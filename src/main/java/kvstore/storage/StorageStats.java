package kvstore.storage;

/** Counters of the group commit: how many rows each transaction carried and what it cost. */
public final class StorageStats {
  private long commits;
  private long rows;
  private long commitNanos;
  private long failures;

  /** Told of every commit: rows in it and how long it took. */
  public interface CommitListener {
    void committed(int rows, long nanos);
  }

  private CommitListener listener = (r, n) -> { };

  public synchronized void onCommit(CommitListener l) {
    listener = l;
  }

  void recordCommit(int batchRows, long nanos) {
    CommitListener l;
    synchronized (this) {
      commits++;
      rows += batchRows;
      commitNanos += nanos;
      l = listener;
    }
    l.committed(batchRows, nanos);
  }

  synchronized void recordFailure() {
    failures++;
  }

  public synchronized long commits() {
    return commits;
  }

  public synchronized long rows() {
    return rows;
  }

  public synchronized long failures() {
    return failures;
  }

  public synchronized double meanBatch() {
    return commits == 0 ? 0 : (double) rows / commits;
  }

  public synchronized double meanCommitMillis() {
    return commits == 0 ? 0 : commitNanos / 1e6 / commits;
  }
}
