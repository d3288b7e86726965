package kvstore.storage;

/**
 * When the background WAL checkpoint runs next, from how fast the write-ahead log grows.
 *
 * <p>A fixed short interval suits only large tables. There every put dirties a page of its own and
 * the log grows by a page per put; it starts over only when a passive copy finishes with no commit
 * after it, so only frequent, small copies keep it short of SQLite's own threshold, whose commit
 * would copy and fsync the whole backlog while the writes behind it wait (at 10M rows, 20 ms was
 * right and 100 ms gave a 230 ms p99.9). What keeps each copy small is the number of pages the log
 * gains between two checkpoints, not the interval itself: so the interval is the time the log takes
 * to gain {@code framesPerCopy} pages at the rate it gained them since the last checkpoint, within
 * [{@code minMs}, {@code maxMs}]. Under puts to 10M rows that is the shortest interval, as before;
 * under a slower write rate (a node of a cluster, a quiet one) the database file is fsynced less
 * often, on a disk the writer's commits also fsync to. Plain logic; the caller passes the time.
 */
public final class CheckpointPacing {
  private final long minMs;
  private final long maxMs;
  private final long framesPerCopy;
  private long lastFrames = -1;
  private long lastAtMs;

  /** {@code maxMs} equal to {@code minMs} is the fixed interval. */
  public CheckpointPacing(long minMs, long maxMs, long framesPerCopy) {
    if (minMs < 1 || maxMs < minMs || framesPerCopy < 1) {
      throw new IllegalArgumentException("need 1 <= minMs <= maxMs and framesPerCopy >= 1");
    }
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.framesPerCopy = framesPerCopy;
  }

  /**
   * The delay before the next checkpoint, after one at {@code nowMs} that found {@code logFrames}
   * pages in the log (-1: it failed, try again soon).
   */
  public long nextDelayMs(long logFrames, long nowMs) {
    if (logFrames < 0) {
      return minMs;
    }
    long gained;
    if (lastFrames < 0) {
      gained = framesPerCopy; // nothing to go by yet
    } else {
      // a shorter log than last time started over in between: all of it is new
      gained = logFrames >= lastFrames ? logFrames - lastFrames : logFrames;
    }
    long elapsed = Math.max(1, nowMs - lastAtMs);
    boolean first = lastFrames < 0;
    lastFrames = logFrames;
    lastAtMs = nowMs;
    if (first) {
      return minMs;
    }
    if (gained == 0) {
      return maxMs;
    }
    double msPerFrame = (double) elapsed / gained;
    return Math.max(minMs, Math.min(maxMs, Math.round(framesPerCopy * msPerFrame)));
  }

  public long minMs() {
    return minMs;
  }
}
