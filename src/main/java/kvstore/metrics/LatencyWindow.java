package kvstore.metrics;

/**
 * Recent latency percentiles from a histogram whose bucket counts only grow (Prometheus style:
 * the count of values at or below each bound since start). Each {@link #sample} compares the counts
 * with the ones kept from the previous sample at least {@code minSpanMs} older, so the answer covers
 * the last few seconds, not the node's whole life, at no cost on the request path.
 */
public final class LatencyWindow {
  /** p50 and p99 in ms over the window, and how many calls it held; both percentiles 0 when it held none. */
  public record Percentiles(double p50Ms, double p99Ms, long calls) {
  }

  private final long minSpanMs;
  private long[] previous;
  private long previousAtMs;
  private long[] older;
  private Percentiles last = new Percentiles(0, 0, 0);

  public LatencyWindow(long minSpanMs) {
    this.minSpanMs = minSpanMs;
  }

  /**
   * @param boundsMs the buckets' upper bounds, ascending
   * @param cumulative per bucket, the count of values at or below its bound since start
   */
  public synchronized Percentiles sample(double[] boundsMs, long[] cumulative, long nowMs) {
    if (previous == null) {
      previous = cumulative.clone();
      previousAtMs = nowMs;
      older = new long[cumulative.length];
    } else if (nowMs - previousAtMs >= minSpanMs) {
      older = previous;
      previous = cumulative.clone();
      previousAtMs = nowMs;
    } else {
      return last;
    }
    long[] delta = new long[cumulative.length];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = older.length == cumulative.length ? cumulative[i] - older[i] : cumulative[i];
    }
    last = percentiles(boundsMs, delta);
    return last;
  }

  /** The percentiles of one window, given per bucket the count at or below its bound. */
  static Percentiles percentiles(double[] boundsMs, long[] atOrBelow) {
    long total = atOrBelow.length == 0 ? 0 : atOrBelow[atOrBelow.length - 1];
    if (total <= 0) {
      return new Percentiles(0, 0, 0);
    }
    return new Percentiles(quantile(boundsMs, atOrBelow, total, 0.5), quantile(boundsMs, atOrBelow, total, 0.99), total);
  }

  /** Linear interpolation inside the bucket the rank falls in, as Prometheus' histogram_quantile does. */
  private static double quantile(double[] boundsMs, long[] atOrBelow, long total, double q) {
    double rank = q * total;
    for (int i = 0; i < atOrBelow.length; i++) {
      if (atOrBelow[i] >= rank) {
        double lowBound = i == 0 ? 0 : boundsMs[i - 1];
        long lowCount = i == 0 ? 0 : atOrBelow[i - 1];
        long inBucket = atOrBelow[i] - lowCount;
        double fraction = inBucket == 0 ? 1 : (rank - lowCount) / inBucket;
        return lowBound + (boundsMs[i] - lowBound) * fraction;
      }
    }
    return boundsMs[boundsMs.length - 1];
  }
}
