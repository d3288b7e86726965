package kvstore.storage;

/** Counters of the group commit: how many rows each transaction carried and what it cost. */
public final class StorageStats {
  private long commits;
  private long rows;
  private long commitNanos;
  private long failures;

  synchronized void recordCommit(int batchRows, long nanos) {
    commits++;
    rows += batchRows;
    commitNanos += nanos;
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
