package kvstore.streaming;

import kvstore.replica.proto.ReplicaProto;

/** Totals of one range movement so far, as kvctl and the log show them. Used from one event loop. */
public final class MoveStats {
  private final String kind;
  private final long startedNanos = System.nanoTime();
  private int rangesTotal;
  private int rangesDone;
  private long rows;
  private long bytes;
  private boolean done;
  private boolean failed;
  private String message = "";

  public MoveStats(String kind) {
    this.kind = kind;
  }

  void ranges(int total) {
    rangesTotal = total;
  }

  void rangeDone() {
    rangesDone++;
  }

  void add(long n, long b) {
    rows += n;
    bytes += b;
  }

  void note(String m) {
    message = m;
  }

  void finish(boolean ok, String m) {
    done = true;
    failed = !ok;
    message = m;
  }

  public boolean done() {
    return done;
  }

  public String kind() {
    return kind;
  }

  public ReplicaProto.MoveProgress toProto() {
    return ReplicaProto.MoveProgress.newBuilder().setKind(kind).setRangesDone(rangesDone).setRangesTotal(rangesTotal)
        .setRows(rows).setBytes(bytes).setMillis((System.nanoTime() - startedNanos) / 1_000_000).setDone(done)
        .setFailed(failed).setMessage(message).build();
  }

  /** One log line: "bootstrap: 12/40 ranges, 5120 rows, 1.2 MB, 3.4 s". */
  public String line() {
    return String.format("%s: %d/%d ranges, %d rows, %.1f MB, %.1f s%s", kind, rangesDone, rangesTotal, rows, bytes / 1e6,
        (System.nanoTime() - startedNanos) / 1e9, message.isEmpty() ? "" : " (" + message + ")");
  }
}
